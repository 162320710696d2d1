/**
 * Running one work item, wherever it runs: in a worker (tasks.ts wraps this in the pool task) or
 * on the main thread (inline.ts, for a run too small to pay for a pool). One function for both,
 * so a file is hashed by the same code, with the same failures, whichever thread does it.
 */
import { statSync } from 'node:fs';
import type { BatchDigests } from './batch.js';
import { hashBatch } from './hasher.js';
import { fsPath, inBaseDir, pathAt, pathCount } from './paths.js';
import { scan } from './scan.js';
import type { WorkItem, WorkResult } from './tasks.js';

/**
 * Runs `item`; never throws for a per-file problem (those are part of the result). `budgetMs`
 * bounds how long a listing goes on hashing before it hands the rest back (less on the main
 * thread, which must get back to scheduling); without it, the item's own `ctx.budgetMs` (set on
 * a fleet, whose jobs cost a broker round trip each: fleet.ts) or scan.ts's default.
 *
 * An item from a fleet caller (`--backend bullmq`) carries the caller's working directory
 * (`ctx.cwd` / `cwd`): an mpool-worker runs in a directory of its own, so relative paths are
 * resolved against the caller's (paths.ts inBaseDir), while the results keep them as given.
 * Such items never run inline (digest.ts): the caller may not see the tree at all.
 */
export function runWorkItem(item: WorkItem, budgetMs?: number): WorkResult {
  return inBaseDir(item.kind === 'list' ? item.ctx.cwd : item.cwd, () => run(item, budgetMs));
}

function run(item: WorkItem, budgetMs: number | undefined): WorkResult {
  if (item.kind === 'list') return { kind: 'list', id: item.id, ...scan(item.dirs, item.ctx, item.hasher, budgetMs ?? item.ctx.budgetMs, item.cached) };
  const paths: Array<string | Buffer> = [];
  for (let i = 0; i < pathCount(item.paths); i++) paths.push(fsPath(pathAt(item.paths, i)));
  const { digests, failures } = hashBatch(paths, item.hasher);
  return { kind: 'hash', id: item.id, digests, failures, ...(item.countBytes ? { bytes: bytesOf(paths, failures) } : {}) };
}

/** Total size of the files hashed (not failed), by one stat each after the fact: only for --stats' byte count. */
function bytesOf(paths: Array<string | Buffer>, failures: BatchDigests['failures']): number {
  let bytes = 0;
  let f = 0;
  for (let i = 0; i < paths.length; i++) {
    if (failures[f]?.index === i) f++;
    else bytes += statSync(paths[i]!, { throwIfNoEntry: false })?.size ?? 0;
  }
  return bytes;
}
