/**
 * Running one work item, wherever it runs: in a worker (tasks.ts wraps this in the pool task) or
 * on the main thread (inline.ts, for a run too small to pay for a pool). One function for both,
 * so a file is hashed by the same code, with the same failures, whichever thread does it.
 */
import { statSync } from 'node:fs';
import type { BatchDigests } from './batch.js';
import { hashBatch } from './hasher.js';
import { fsPath, pathAt, pathCount } from './paths.js';
import { scan } from './scan.js';
import type { WorkItem, WorkResult } from './tasks.js';

/**
 * Runs `item`; never throws for a per-file problem (those are part of the result). `budgetMs`
 * bounds how long a listing goes on hashing before it hands the rest back (scan.ts's default in
 * a worker; less on the main thread, which must get back to scheduling).
 */
export function runWorkItem(item: WorkItem, budgetMs?: number): WorkResult {
  if (item.kind === 'list') return { kind: 'list', id: item.id, ...scan(item.dirs, item.ctx, item.hasher, budgetMs, item.cached) };
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
