// Small statistics helpers: every figure in RESULTS.md is a median with its min–max.

/** Sorted copy of the finite numbers in `values`. */
export function sorted(values) {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** Nearest-rank percentile (p in 0..100) of `values`; NaN when empty. */
export function percentile(values, p) {
  const s = sorted(values);
  if (s.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

/** Median (mean of the two middle values for an even count); NaN when empty. */
export function median(values) {
  const s = sorted(values);
  if (s.length === 0) return NaN;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** { median, min, max, n, values } of a list of run figures. */
export function summarize(values) {
  const s = sorted(values);
  return { median: median(s), min: s.length ? s[0] : NaN, max: s.length ? s[s.length - 1] : NaN, n: s.length, values: s };
}

/** Human figure: 3 significant digits, thousands separated ("12,300", "1.23", "0.0456"). */
export function fmt(value, digits = 3) {
  if (value === undefined || value === null || !Number.isFinite(value)) return '–';
  const abs = Math.abs(value);
  if (abs >= 10 ** digits) return Math.round(value).toLocaleString('en-US');
  return Number(value.toPrecision(digits)).toLocaleString('en-US', { maximumFractionDigits: 6 });
}

/** "median (min–max)" of a summary, or "–". */
export function fmtRange(summary, digits = 3) {
  if (!summary || !Number.isFinite(summary.median)) return '–';
  if (summary.n <= 1) return fmt(summary.median, digits);
  return `${fmt(summary.median, digits)} (${fmt(summary.min, digits)}–${fmt(summary.max, digits)})`;
}

/** "4.2×" ratio a / b, or "–". */
export function fmtRatio(a, b) {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return '–';
  const r = a / b;
  return `${r >= 10 ? r.toFixed(0) : r >= 1 ? r.toFixed(2) : r.toPrecision(2)}×`;
}
