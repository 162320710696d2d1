/**
 * The worker task module: workers import this file by URL (dist/tasks.js), so it holds only what
 * runs in a worker. One task, `work`, takes either kind of work item, because one
 * `imapUnordered` stream carries both: listing directories (hashing most files on the way) and
 * hashing batches interleave on the same workers; the scheduler (plan.ts) decides what goes next.
 */
import { statSync } from 'node:fs';
import { defineTasks } from '@mpool/pool-core';
import type { BatchDigests, HasherName } from './batch.js';
import { hashBatch } from './hasher.js';
import { fsPath, inBaseDir, pathAt, pathCount, type BytePath, type PathList } from './paths.js';
import { scan, type ScanResult } from './scan.js';
import type { DirItem, WalkContext } from './walk.js';

/** List these directories (and hash what they hold, see scan.ts). */
export interface ListItem {
  kind: 'list';
  id: number;
  dirs: DirItem[];
  ctx: WalkContext;
  hasher: HasherName;
  /** --cache: the cache's entries of each of `dirs` (cache-format.ts), or null. */
  cached?: Array<Uint8Array | null>;
}

/** Hash these files (paths as byte strings). */
export interface HashItem {
  kind: 'hash';
  id: number;
  paths: PathList;
  hasher: HasherName;
  /** --stats where sizes are unknown (--check): also return the bytes of the files hashed. */
  countBytes?: boolean;
  /** --backend bullmq: the caller's working directory (see WalkContext.cwd). */
  cwd?: BytePath;
}

/** Anything the `work` task takes. */
export type WorkItem = ListItem | HashItem;
/** What `work` returns, tagged like its item. */
export type WorkResult = ({ kind: 'list'; id: number } & ScanResult) | ({ kind: 'hash'; id: number; bytes?: number } & BatchDigests);

/** The one task of digest-tree's workers (see the module comment). */
export const { work } = defineTasks(import.meta.url, {
  /** Runs one work item; never throws for a per-file problem (those are part of the result). */
  work(item: WorkItem): WorkResult {
    // On a fleet worker, relative paths are the caller's: resolve them against its directory.
    return inBaseDir(item.kind === 'list' ? item.ctx.cwd : item.cwd, () => run(item));
  },
});

function run(item: WorkItem): WorkResult {
  if (item.kind === 'list') return { kind: 'list', id: item.id, ...scan(item.dirs, item.ctx, item.hasher, item.ctx.budgetMs, item.cached) };
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
