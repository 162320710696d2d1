/**
 * --stats: what a run did, as one line on stderr at its end:
 * `digest-tree: stats: F files, B bytes, H hashed, R reused, S.SS s`.
 * F = H + R: files with a digest (hashed now, or reused from --cache); B their bytes (sizes from
 * the walk's stat; files whose size was never looked up, such as --check's, count what the
 * worker read: see tasks.ts); S wall time since the run began.
 */

/** Counters a run adds to (several --check manifests add to the same one). */
export interface RunStats {
  files: number;
  bytes: number;
  hashed: number;
  reused: number;
}

export const newRunStats = (): RunStats => ({ files: 0, bytes: 0, hashed: 0, reused: 0 });

/** The --stats line (without the `digest-tree: ` prefix the reporter adds). */
export const statsLine = (s: RunStats, seconds: number): string =>
  `stats: ${s.files} files, ${s.bytes} bytes, ${s.hashed} hashed, ${s.reused} reused, ${seconds.toFixed(2)} s`;
