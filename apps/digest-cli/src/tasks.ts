/**
 * The worker task module: workers import this file by URL (dist/tasks.js), so it holds only what
 * runs in a worker. One task, `work`, takes either kind of work item, because one
 * `imapUnordered` stream carries both: listing directories and hashing batches interleave on
 * the same workers, and the scheduler (plan.ts) decides which goes next.
 */
import { defineTasks } from '@mpool/pool-core';
import { hashBatch, type BatchDigests, type HasherName } from './hasher.js';
import { bytePathToBuffer, type BytePath } from './paths.js';
import { listDirs, type DirItem, type Listing, type WalkContext } from './walk.js';

/** List these directories. */
export interface ListItem {
  kind: 'list';
  id: number;
  dirs: DirItem[];
  ctx: WalkContext;
}

/** Hash these files (paths as byte strings). */
export interface HashItem {
  kind: 'hash';
  id: number;
  paths: BytePath[];
  hasher: HasherName;
}

export type WorkItem = ListItem | HashItem;
export type WorkResult = ({ kind: 'list'; id: number } & Listing) | ({ kind: 'hash'; id: number } & BatchDigests);

export const { work } = defineTasks(import.meta.url, {
  /** Runs one work item; never throws for a per-file problem (those are part of the result). */
  work(item: WorkItem): WorkResult {
    if (item.kind === 'list') return { kind: 'list', id: item.id, ...listDirs(item.dirs, item.ctx) };
    const paths = item.paths.map(bytePathToBuffer);
    return { kind: 'hash', id: item.id, ...hashBatch(paths, item.hasher) };
  },
});
