/** The engine's queue of batches, which also knows how many tasks (items) it holds. */
import { Deque } from './deque.js';
import type { Batch } from './job.js';
import type { QueueRoom } from './queue-room.js';

/**
 * A FIFO of batches that counts their tasks as they come and go, so that the number of queued
 * tasks costs O(1) to read (`pool.stats().queued`) instead of a walk over the queue; with
 * `maxQueue` set, it also reports every batch in and out to the pool's {@link QueueRoom}.
 */
export class TaskQueue extends Deque<Batch> {
  /** Tasks in the queued batches (batches of settled jobs included until they are dropped). */
  tasks = 0;

  constructor(private readonly room: QueueRoom | null) {
    super();
  }

  override push(batch: Batch): void {
    this.tasks += batch.items.length;
    super.push(batch);
    this.room?.added(batch);
  }
  override shift(): Batch | undefined {
    const batch = super.shift();
    if (batch !== undefined) {
      this.tasks -= batch.items.length;
      this.room?.removed(batch);
    }
    return batch;
  }
  override drain(): Batch[] {
    this.tasks = 0;
    const all = super.drain();
    this.room?.cleared();
    return all;
  }
}
