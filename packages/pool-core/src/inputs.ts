/** Reading task inputs: sync or async iterables, sized or not, and the chunksize rules. */

export type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

/** True for objects with `Symbol.asyncIterator`. */
export function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return value != null && typeof (value as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/** @throws TypeError naming `where` unless `value` is a sync or async iterable. */
export function checkIterable(value: unknown, where: string): void {
  const ok = value != null && (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' || isAsyncIterable(value));
  if (!ok) throw new TypeError(`${where}: expected an iterable or async iterable of inputs, got ${value === null ? 'null' : typeof value}`);
}

/** Reads a whole input (map and starmap need every item anyway, as in Python). */
export async function collect<T>(iterable: AnyIterable<T>): Promise<T[]> {
  if (Array.isArray(iterable)) return iterable as T[];
  if (!isAsyncIterable<T>(iterable)) return Array.from(iterable);
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/**
 * Python's default for `map`: `ceil(len / (4 * workers))`, so each worker gets about four chunks:
 * few messages, yet a slow chunk cannot leave the others idle for long.
 */
export function defaultChunksize(length: number, workers: number): number {
  return Math.max(1, Math.ceil(length / (4 * workers)));
}

/** @throws RangeError naming `where` and `name` unless `value` is an integer >= 1. */
export function checkPositiveInt(value: unknown, name: string, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${where}: ${name} must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

/**
 * @throws TypeError naming `where` if `options` is not an object or has a key outside `valid`
 * (a typo such as `procesess` would otherwise be ignored silently); the message suggests the
 * closest valid name and lists them all.
 */
export function checkOptionNames(options: unknown, valid: readonly string[], where: string): void {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${where}: options must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  }
  for (const key of Object.keys(options)) {
    if (valid.includes(key)) continue;
    const near = valid.filter((name) => editDistance(name.toLowerCase(), key.toLowerCase()) <= Math.max(1, Math.floor(name.length / 4)));
    const hint = near.length > 0 ? ` (did you mean '${near[0]}'?)` : '';
    throw new TypeError(`${where}: unknown option '${key}'${hint}; valid options: ${valid.join(', ')}`);
  }
}

/** Levenshtein distance, for "did you mean" hints (names are short: O(|a|·|b|) is nothing). */
export function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    row = next;
  }
  return row[b.length]!;
}
