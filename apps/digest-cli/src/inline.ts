/**
 * Hashing on the main thread, so that a small run pays for no pool.
 *
 * A pool costs more than a small tree takes to hash: each worker boots an isolate and loads its
 * modules (tens of ms of wall time and of CPU per worker here), and the run then waits for them
 * to exit. 10 tiny files take well under a millisecond. So a run starts with no pool: the main
 * thread takes work items from the scheduler and runs them itself, the same items through the
 * same {@link runWorkItem} (and hasher: the native addon or node:crypto) that a worker would run.
 * The policy:
 *
 * 1. **Inline first.** Items run on the main thread until they have taken {@link INLINE_MS} of
 *    its time, measured. A run that is done within it starts no worker at all (no thread, no
 *    process): `--jobs` and `--backend` then only say what would have run a bigger tree.
 *    Not with `--backend bullmq`: the tree is the fleet's, which may mount it where this host
 *    does not, and read it with other permissions, so every item of a fleet run goes to the
 *    fleet, however small the run (digest.ts). A batch
 *    whose estimated time (its cost / {@link COST_PER_MS}) is more than what is left of the
 *    budget is not started here but left to the pool, so a big file is never hashed on the main
 *    thread; a listing hands back what it has not hashed when the budget runs out (scan.ts).
 * 2. **Then the pool.** With the budget spent, or a batch too big, the pool is opened and fed
 *    as before. A big tree thus loses at most about half the budget (main-thread work that two
 *    workers would have done in half the time). When there are fewer workers than cores
 *    (`--jobs 1` on two), the main thread also helps while the pool starts: until one of its
 *    workers holds work, it takes what the pool has not taken, items of at most
 *    {@link HELP_ITEM_MS}, one per turn of the event loop. Not otherwise: on two cores with two
 *    workers, helping slowed the booting workers more than it gained (small corpus, measured).
 * 3. **No budget after a big run.** A `--cache` file of `BIG_CACHE_BYTES` (128 KiB) or more says the
 *    last run was big: this one starts its pool at once, while the cache is read (digest.ts).
 * 4. **No budget for a wide directory.** A directory operand with {@link WIDE_DIR_SUBDIRS} or more
 *    subdirectories (its link count says so on ext4, XFS and tmpfs) or a listing of
 *    {@link WIDE_DIR_BYTES} or more (thousands of entries) is the top of a big tree, or a big flat
 *    folder: its pool starts at once too (one `stat` per operand, {@link looksWide}). What the
 *    budget would have cost such a run: the workers started ~20 ms later (200,000 empty files in
 *    200 folders, median of 12 interleaved runs: 0.735 s with the budget, 0.715 s without). A
 *    small tree that happens to be wide (64 empty folders) pays a pool it did not need, ~50 ms.
 *
 * Time, not a count of files or bytes: the walk does not know sizes up front (most files are
 * hashed where they are found, without a stat), and time is what the budget is about. Which
 * thread hashes a file changes nothing in the output: its digest, the sorted formats' order and
 * the messages for unreadable, vanished and special files all come from the same code and go
 * through the same handling. Only the order of --ndjson lines and of messages varies from run to
 * run, as it always has.
 *
 * The main thread is not interruptible inside an item: Ctrl-C is seen between items, which the
 * budget keeps short (a listing of a huge directory is the exception: readdir is one call).
 */
import { statSync } from 'node:fs';
import { nowMs } from './clock.js';
import { fsPath, type BytePath } from './paths.js';
import type { Scheduler } from './plan.js';
import type { WorkItem, WorkResult } from './tasks.js';

/**
 * Main-thread time (ms) spent on work items before a pool is started (see the module comment):
 * a few hundred small files (a pool costs ~60-100 ms here), and at most ~5 ms lost on a big tree.
 */
export const INLINE_MS = 10;
/**
 * A batch's cost (bytes + 16 KiB a file, plan.ts) hashed per ms on one core, on the slow side:
 * node:crypto reading from the page cache (~650 MB/s, ~20 µs a file). Only for estimates.
 */
export const COST_PER_MS = 650_000;
/** Longest item (estimated, or a listing's budget) the main thread takes while the pool starts. */
export const HELP_ITEM_MS = 5;

/** Subdirectories that make a directory operand wide (rule 4 of the module comment). */
export const WIDE_DIR_SUBDIRS = 64;
/** Bytes of a directory's own listing (`st_size`) that make it wide: ~2,000 entries on ext4. */
export const WIDE_DIR_BYTES = 64 << 10;

/** Whether `operand` is a wide directory (rule 4); false for anything else or a failed stat. */
export function looksWide(operand: BytePath): boolean {
  try {
    const st = statSync(fsPath(operand), { throwIfNoEntry: false });
    // nlink: 2 + subdirectories where the file system counts them (btrfs says 1: size decides).
    return st !== undefined && st.isDirectory() && (st.nlink - 2 >= WIDE_DIR_SUBDIRS || st.size >= WIDE_DIR_BYTES);
  } catch {
    return false; // the walk reports what is wrong with it
  }
}

/** Runs one item (runWorkItem), a listing for at most `budgetMs`. */
export type ItemRunner = (item: WorkItem, budgetMs: number) => WorkResult;

/** The main thread as a worker of its own run (see the module comment). */
export class InlineWork {
  #spent = 0;

  constructor(
    private readonly scheduler: Scheduler,
    private readonly runItem: ItemRunner,
    /** Reports a result, as for one from the pool (before the next item is taken). */
    private readonly onResult: (result: WorkResult) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /** Main-thread time spent on items so far (ms). */
  get spentMs(): number {
    return this.#spent;
  }

  /**
   * Step 1: runs items until the run is over (true) or the budget is spent or the next batch is
   * too big for it (false: a pool must take the rest). Waits for --check's feed when it is
   * merely slow. @throws the signal's reason when aborted.
   */
  async runWithin(budgetMs: number): Promise<boolean> {
    const scheduler = this.scheduler;
    for (;;) {
      this.signal?.throwIfAborted();
      const left = budgetMs - this.#spent;
      const item = left > 0 ? scheduler.take(left * COST_PER_MS) : null;
      if (item !== null) {
        this.#run(item, left);
        continue;
      }
      if (scheduler.finished) return true;
      if (left <= 0 || scheduler.queued) return false;
      await this.#fed(); // nothing queued, nothing in flight: the feed is slower than us
    }
  }

  /**
   * Step 2: while `starting()` (no worker of the pool is up yet), runs one item the pool has not
   * taken per turn of the event loop. Returns when the pool has answered or nothing is left for
   * it to take. On an abort it just stops: the pool's own rejection reports it.
   */
  async helpWhile(starting: () => boolean): Promise<void> {
    try {
      for (;;) {
        await new Promise<void>((resolve) => setImmediate(resolve)); // the pool's messages first
        if (!starting() || this.signal?.aborted) return;
        const item = this.scheduler.take(HELP_ITEM_MS * COST_PER_MS);
        if (item === null) return;
        this.#run(item, HELP_ITEM_MS);
      }
    } catch (error) {
      this.scheduler.stop(); // the run must end (and report this), not wait for this item's result
      throw error;
    }
  }

  #run(item: WorkItem, budgetMs: number): void {
    const t0 = nowMs();
    const result = this.runItem(item, budgetMs);
    this.#spent += nowMs() - t0;
    this.onResult(result);
  }

  /** Resolves when the scheduler changes (files fed, feed over) or the run is aborted. */
  #fed(): Promise<void> {
    const signal = this.signal;
    return new Promise<void>((resolve) => {
      const done = () => {
        signal?.removeEventListener('abort', done);
        resolve();
      };
      signal?.addEventListener('abort', done, { once: true });
      void this.scheduler.changed().then(done);
    });
  }
}
