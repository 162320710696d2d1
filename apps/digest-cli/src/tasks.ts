/**
 * The worker task module: workers import this file by URL (dist/tasks.js), so it holds only what
 * runs in a worker. One task, `work`, takes either kind of work item, because one
 * `imapUnordered` stream carries both: listing directories (hashing most files on the way) and
 * hashing batches interleave on the same workers; the scheduler (plan.ts) decides what goes next.
 * (A small run does the same items on the main thread instead: see inline.ts.)
 */
import { defineTasks } from '@mpool/pool-core';
import type { BatchDigests, HasherName } from './batch.js';
import type { BytePath, PathList } from './paths.js';
import type { ScanResult } from './scan.js';
import { runWorkItem } from './work-item.js';
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
    return runWorkItem(item);
  },
});
