/** Progress numbers: the pure state with a fake clock, the line drawn from it, and the counts a run reports. */
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunProgress } from '../src/digest.js';
import { buildDigestMap } from '../dist/index.js'; // workers load their files from dist
import { formatDuration, progressLine } from '../src/progress.js';
import { ProgressState, type ProgressSnapshot } from '../src/progress-state.js';
import { pathCount } from '../src/paths.js';
import { scan } from '../src/scan.js';
import { bytes, cleanTempDirs, tempDir, writeTree } from './helpers.js';

afterAll(cleanTempDirs);

const MiB = 1 << 20;
const counts = (c: Partial<RunProgress>): RunProgress => ({ filesFound: 0, bytesFound: 0, filesDone: 0, bytesDone: 0, walking: false, ...c });

/** A ProgressState on a clock the test moves. */
function clocked(options: { sizesKnown?: boolean } = {}) {
  let now = 0;
  const state = new ProgressState({ ...options, now: () => now });
  return { state, at: (ms: number, c: Partial<RunProgress>) => ((now = ms), state.update(counts(c))) };
}

describe('ProgressState', () => {
  it('counts files and bytes done against found, and one percentage: of bytes when sizes are known', () => {
    const { at } = clocked();
    const s = at(1000, { filesFound: 10, filesDone: 9, bytesFound: 100 * MiB, bytesDone: 25 * MiB });
    expect([s.unit, s.fraction, s.filesDone, s.filesFound, s.bytesDone, s.bytesFound]).toEqual(['bytes', 0.25, 9, 10, 25 * MiB, 100 * MiB]);
  });

  it('is of files when sizes are not known (--check), or when every file is empty', () => {
    const check = clocked({ sizesKnown: false }).at(1000, { filesFound: 8, filesDone: 2 });
    expect([check.unit, check.fraction]).toEqual(['files', 0.25]);
    const empty = clocked().at(1000, { filesFound: 4, filesDone: 3 });
    expect([empty.unit, empty.fraction]).toEqual(['files', 0.75]);
    expect(clocked().at(1000, { walking: false }).fraction).toBe(1); // nothing found, walk over: done
  });

  it('measures the rate over the last 5 s, not since the start', () => {
    const { at } = clocked();
    let s!: ProgressSnapshot;
    // 10 s at 100 MiB/s, then 10 s at 10 MiB/s, one update every 50 ms.
    for (let t = 50; t <= 20_000; t += 50) {
      const done = t <= 10_000 ? (t / 1000) * 100 * MiB : 1000 * MiB + ((t - 10_000) / 1000) * 10 * MiB;
      s = at(t, { filesFound: 2000, bytesFound: 2000 * MiB, filesDone: Math.floor(done / MiB), bytesDone: done });
    }
    expect(s.rate! / MiB).toBeCloseTo(10, 5); // the average since the start would be 55
    expect(s.etaSeconds).toBeCloseTo((2000 - 1100) / 10, 5);
    expect(s.elapsedSeconds).toBe(20);
  });

  it('has no rate before time passes, and no ETA while walking (the total still grows)', () => {
    const { at } = clocked();
    const first = at(0, { filesFound: 1, bytesFound: 10 });
    expect([first.rate, first.etaSeconds]).toEqual([null, null]);
    const walking = at(1000, { filesFound: 5, bytesFound: 50, filesDone: 1, bytesDone: 10, walking: true });
    expect([walking.rate, walking.etaSeconds, walking.walking]).toEqual([10, null, true]);
  });

  it('keeps the baseline sample right at the window start after a pause', () => {
    const { at } = clocked();
    at(1000, { bytesFound: 100, bytesDone: 10, filesFound: 1 });
    // Nothing for 9 s (one huge file being hashed), then a result.
    const s = at(10_000, { bytesFound: 100, bytesDone: 100, filesFound: 1, filesDone: 1 });
    expect(s.rate).toBeCloseTo(90 / 9, 5);
  });
});

describe('progressLine', () => {
  const bar = (f: number) => `[${'#'.repeat(Math.round(f * 4)).padEnd(4, '.')}]`;
  const base: ProgressSnapshot = { ...counts({ filesFound: 10, filesDone: 4, bytesFound: 100 * MiB, bytesDone: 50 * MiB }), unit: 'bytes', fraction: 0.5, rate: 25 * MiB, etaSeconds: 2, elapsedSeconds: 2 };

  it('shows done/found for files and bytes, the percentage, rate and ETA', () => {
    expect(progressLine(base, bar)).toBe('[##..] 50% | 4/10 files | 50.0 MiB/100.0 MiB | 25.0 MiB/s | ETA 0:02');
  });

  it('while walking: counts and rate, no percentage', () => {
    expect(progressLine({ ...base, walking: true }, bar)).toBe('4/10 files | 50.0 MiB/100.0 MiB | 25.0 MiB/s | walking...');
  });

  it('in files: no bytes, files per second', () => {
    expect(progressLine({ ...base, unit: 'files', fraction: 0.4, rate: 12.4, etaSeconds: 3725 }, bar)).toBe('[##..] 40% | 4/10 files | 12 files/s | ETA 1:02:05');
    expect(formatDuration(59.6)).toBe('1:00');
  });
});

describe('the counts a run reports', () => {
  it('a listing that runs out of time counts as done only the bytes it hashed; the rest are found, not done', () => {
    const root = tempDir();
    writeTree(root, Array.from({ length: 20 }, (_, i) => [`f${i}`, bytes(1000 + i, i + 1)] as [string, Buffer]));
    const result = scan([{ path: root, relStart: root.length + 1 }], { follow: false, exclude: [], sizes: true }, 'node', 0);
    const total = Array.from({ length: 20 }, (_, i) => 1000 + i).reduce((a, b) => a + b, 0);
    expect(pathCount(result.hashed.paths)).toBe(0); // a budget of 0: everything handed back
    expect(result.hashed.bytes).toBe(0);
    expect(result.loose.reduce((n, group) => n + pathCount(group), 0)).toBe(20);
    expect(result.looseBytes.reduce((a, b) => a + b, 0)).toBe(total);
  });

  it('done never runs ahead of found, and both end at the tree totals', async () => {
    const root = join(tempDir(), 'tree');
    const files = Array.from({ length: 300 }, (_, i) => [`d${i % 7}/f${i}`, bytes((i * 997) % 5000, i + 1)] as [string, Buffer]);
    writeTree(root, [...files, ['big', bytes(3 * MiB, 9)]]);
    const reports: RunProgress[] = [];
    await buildDigestMap(root, { jobs: 2, onProgress: (c) => reports.push(c) });
    for (const r of reports) {
      expect(r.filesDone).toBeLessThanOrEqual(r.filesFound);
      expect(r.bytesDone).toBeLessThanOrEqual(r.bytesFound);
    }
    const total = files.reduce((sum, [, data]) => sum + data.length, 3 * MiB);
    expect(reports.at(-1)).toEqual({ filesFound: 301, filesDone: 301, bytesFound: total, bytesDone: total, walking: false });
  });
});
