/**
 * Which queued batches go into a worker's next `run` message.
 *
 * Dispatch rules (each one closes a way work could be stranded or run twice):
 * - An idle worker gets a `run` message; a worker whose batches are measured quick also gets its
 *   next message while it runs the current one (see WorkerSlot.wantsWork).
 * - A message carries several batches only when every one of them is of a task measured quick
 *   (under PREFETCH_MAX_MS); then up to `ceil(queued / (4 * workers))`, at most 64, which is what
 *   makes one-task-per-call fast. A batch of a task not yet timed, or slow, travels alone, so a
 *   long task never holds short ones in its message while another worker idles.
 * - The batches of a job with an AbortSignal never share a worker with another job's batches.
 *   Aborting such a job replaces the workers that hold its batches; since nothing else is on
 *   them, no other call's task is lost or re-run, however far the worker got (a finished task's
 *   reply may still be on its way when the abort comes).
 * - Batches of jobs that settled (failed, aborted) are not searched for in the queue: they are
 *   dropped when they reach its head, so failing and aborting cost O(1) per task, like success.
 * - `concurrentTasksPerWorker` N counts batches (an `apply` call, or one chunk of a map; a chunk's
 *   items still run one after another, in order). A worker holding fewer than N batches gets
 *   another only while every batch it holds is of a task known to return a promise (see
 *   WorkerSlot.wantsWork): the new one starts at once, beside the waiting ones, never behind a
 *   synchronous task that holds the thread. The abort rule above holds unchanged: several
 *   batches at once on one worker are still all of one abortable job, or of no abortable job.
 */
import type { Deque } from './deque.js';
import type { Batch } from './job.js';
import type { TaskTable } from './task-table.js';
import type { WorkerSlot } from './worker-slot.js';

/** The most batches one message carries. */
export const MAX_BATCHES_PER_MESSAGE = 64;

/**
 * Takes the batches of `w`'s next message from the head of `queue` (see the rules above);
 * batches of settled jobs met on the way are dropped. Returns [] when `w` should get nothing now.
 */
export function nextMessage(
  queue: Deque<Batch>,
  w: WorkerSlot,
  tasks: TaskTable,
  options: { processes: number; maxTasksPerChild: number | null },
): Batch[] {
  while (queue.length > 0 && queue.peek()!.job.settled) queue.shift();
  const head = queue.peek();
  if (head === undefined) return [];
  const solo = head.solo;
  // A worker holding work takes more only of the same kind: its own abortable job's, or shared.
  if (w.held.length > 0 && w.held.peek()!.solo !== solo) return [];
  let n = 1;
  if (tasks.isQuick(head)) n = Math.min(MAX_BATCHES_PER_MESSAGE, Math.ceil(queue.length / (4 * options.processes)));
  if (options.maxTasksPerChild !== null) n = Math.min(n, options.maxTasksPerChild - w.assigned);
  const batches: Batch[] = [];
  while (batches.length < n && queue.length > 0) {
    const batch = queue.peek()!;
    if (batch.job.settled) {
      queue.shift();
      continue;
    }
    if (batch.solo !== solo || (batches.length > 0 && !tasks.isQuick(batch))) break;
    batches.push(queue.shift()!);
  }
  return batches;
}
