/**
 * Batching and scheduling. The walk and the hashing share one stream of work items fed to
 * `pool.imapUnordered`; this module decides what goes next each time the pool asks for more:
 *
 * 1. directories still to list: they uncover the rest of the work, and their workers hash most
 *    files on the way (scan.ts);
 * 2. hash batches of the files sent back (big ones, leftovers of a slow listing, file operands,
 *    --check lists), costliest first, so big files start early and the last batches to run are
 *    short: the workers finish together instead of one hashing a 1 GiB file alone;
 * 3. a partly filled batch, only when workers would otherwise wait.
 *
 * A batch groups files by count AND bytes: each file costs its size plus a fixed per-file cost
 * (open/fstat/read/close, ~20 µs ≈ 16 KiB of hashing here), and a batch is closed at ~4 MiB of
 * cost: few enough messages that pool overhead is noise, small enough that work divides evenly.
 */
import type { HasherName } from './batch.js';
import { BatchHeap } from './batch-heap.js';
import type { BytePath, PackedPaths, PathList } from './paths.js';
import type { ListItem, HashItem, WorkItem } from './tasks.js';
import type { DirItem, WalkContext } from './walk.js';

/** How files are grouped into batches. */
export interface BatchLimits {
  /** Cost of a batch (bytes + perFileCost per file) at which it is closed. */
  batchCost: number;
  /** The fixed cost of one file, in bytes of hashing. */
  perFileCost: number;
  /** Most files in one batch (bounds a message's size for empty files). */
  maxFiles: number;
  /** Files at least this big are hashed in groups of similar size (default {@link GROUP_FROM}). */
  groupFrom?: number;
}

/** ~4 MiB of work per batch, a file costing its size + 16 KiB, at most 1,024 files. */
export const DEFAULT_LIMITS: BatchLimits = { batchCost: 4 << 20, perFileCost: 16 << 10, maxFiles: 1024 };
/**
 * Big files are hashed up to this many in one task: the native hasher runs four files side by
 * side, one per SIMD lane, at ~2.5x the bytes/s of one file (see sha512-native's multi.rs).
 */
export const LANES = 4;
/** Files from this size on are grouped with files of similar size rather than batched by cost. */
export const GROUP_FROM = 1 << 20;
/**
 * Files at least this big are never grouped: a file alone is streamed in chunks from JS, so
 * Ctrl-C stops its worker within a chunk, where a group is one native call (~0.5 s at most).
 */
export const GROUP_MAX = 256 << 20;
/**
 * Files waiting in batches beyond which hashing goes before listing. Listing first finds work
 * early, but a walk whose listings overrun their time budget (a busy machine) hands back
 * leftovers faster than they are hashed: on a million files that queue held ~750,000 path
 * strings (36 MB). Past this many, batches drain first, so the queue stays O(this bound).
 */
export const BACKLOG_FILES = 1 << 15;
/** Cost given to a group of files of unknown size (the worker sized the group to ~4 ms). */
const LOOSE_COST = 4 << 20;

/** Files to hash together in one task. */
export interface Batch {
  paths: PathList;
  bytes: number;
  cost: number;
}

/** Groups files into batches as they are found. */
export class Batcher {
  #open: Batch & { paths: BytePath[] } = { paths: [], bytes: 0, cost: 0 };

  constructor(
    private readonly limits: BatchLimits,
    private readonly emit: (batch: Batch) => void,
  ) {}

  add(path: BytePath, size: number): void {
    const cost = size + this.limits.perFileCost;
    if (cost >= this.limits.batchCost) return this.emit({ paths: [path], bytes: size, cost }); // a big file goes alone
    const open = this.#open;
    open.paths.push(path);
    open.bytes += size;
    open.cost += cost;
    if (open.cost >= this.limits.batchCost || open.paths.length >= this.limits.maxFiles) this.flush();
  }

  /** Emits the open batch, if it holds anything. */
  flush(): void {
    if (this.#open.paths.length === 0) return;
    this.emit(this.#open);
    this.#open = { paths: [], bytes: 0, cost: 0 };
  }

  get pending(): number {
    return this.#open.paths.length;
  }
}

/** What the scheduler needs to make work items. */
export interface SchedulerOptions {
  workers: number;
  hasher: HasherName;
  ctx: WalkContext;
  limits?: BatchLimits;
  /** --cache: the cache's entries of a directory, sent with the item that lists it. */
  cachedFor?: (dir: DirItem) => Uint8Array | null;
  /** Ask hash items for the bytes they read (--stats without sizes). */
  countBytes?: boolean;
}

/**
 * The input of `imapUnordered`: an async iterable of work items that grows as results come
 * back. The consumer reports every result through {@link addDirs}/{@link addFiles} and then
 * {@link done}; the iteration ends when nothing is queued and nothing is in flight.
 */
export class Scheduler implements AsyncIterable<WorkItem> {
  readonly #dirs: DirItem[] = [];
  readonly #heap = new BatchHeap();
  readonly #batcher: Batcher;
  readonly #inFlightBatches = new Map<number, Batch>();
  #inflight = 0;
  #listsInFlight = 0;
  #nextId = 0;
  #wake: (() => void) | null = null;
  #stopped = false;
  /** Files are still being fed from outside (--check reading its manifest). */
  #feeding = false;
  /** Big files not grouped yet (see {@link LANES}). */
  #big: Array<{ path: BytePath; size: number }> = [];
  readonly #limits: BatchLimits;

  constructor(private readonly options: SchedulerOptions) {
    this.#limits = options.limits ?? DEFAULT_LIMITS;
    this.#batcher = new Batcher(this.#limits, (b) => this.#heap.push(b));
  }

  addDirs(dirs: DirItem[]): void {
    for (const d of dirs) this.#dirs.push(d);
  }

  addFiles(paths: BytePath[], sizes: number[]): void {
    const from = this.#limits.groupFrom ?? GROUP_FROM;
    for (let i = 0; i < paths.length; i++) {
      const size = sizes[i]!;
      if (size >= from && size < GROUP_MAX) this.#big.push({ path: paths[i]!, size });
      else this.#batcher.add(paths[i]!, size);
    }
  }

  /**
   * Moves the biggest pending files into the heap: `count` groups of `per`, biggest first, so
   * that the files of a group have similar sizes and its lanes finish together (the lanes of a
   * group run in step; a file left alone in its group runs at one-lane speed).
   */
  #groupBig(per: number, count: number): void {
    const big = this.#big.sort((a, b) => b.size - a.size);
    for (const group of chunks(big.splice(0, per * count), per)) {
      const bytes = group.reduce((sum, f) => sum + f.size, 0);
      this.#heap.push({ paths: group.map((f) => f.path), bytes, cost: bytes + group.length * this.#limits.perFileCost });
    }
  }

  /**
   * Files will come from outside through {@link feed} until {@link endFeed}: meanwhile the
   * iteration waits for them instead of ending when it runs out of work.
   */
  startFeed(): void {
    this.#feeding = true;
  }

  /** Adds files from outside (sizes unknown) and wakes the iteration. */
  feed(paths: BytePath[]): void {
    this.addFiles(paths, new Array<number>(paths.length).fill(0));
    this.#poke();
  }

  /** No more files will be fed. */
  endFeed(): void {
    this.#feeding = false;
    this.#poke();
  }

  /**
   * Groups of files handed back by a listing (packed), each already about one batch of work;
   * `bytes` (per group, when known) only count towards progress: the cost is the measured time.
   */
  addLoose(groups: PackedPaths[], bytes: number[] = []): void {
    groups.forEach((paths, i) => this.#heap.push({ paths, bytes: bytes[i] ?? 0, cost: LOOSE_COST }));
  }

  /** A result came back: returns the batch it answered (for hash items). */
  done(id: number): Batch | undefined {
    const batch = this.#inFlightBatches.get(id);
    if (batch) this.#inFlightBatches.delete(id);
    else this.#listsInFlight--;
    this.#inflight--;
    this.#poke();
    return batch;
  }

  /** True while directories remain to be listed (the totals may still grow). */
  get walking(): boolean {
    return this.#dirs.length > 0 || this.#listsInFlight > 0 || this.#feeding;
  }

  /**
   * The next item for the main thread to run itself (inline.ts), or null when there is none
   * now or the next one is a batch costing more than `maxCost` (it is left for the pool). An
   * item taken is in flight like one the pool took: report its result the same way.
   */
  take(maxCost: number): WorkItem | null {
    if (this.#stopped) return null;
    const item = this.#next(maxCost);
    if (item !== null) this.#inflight++;
    return item;
  }

  /** True while work waits to be handed out (directories, batches, files not batched yet). */
  get queued(): boolean {
    return this.#dirs.length > 0 || this.#heap.size > 0 || this.#big.length > 0 || this.#batcher.pending > 0;
  }

  /** True when nothing is left: nothing queued, in flight or still to be fed. */
  get finished(): boolean {
    return this.#inflight === 0 && !this.#feeding && !this.queued;
  }

  /**
   * Resolves at the next change (a result reported, files fed, the feed ended, stopped), for a
   * main thread waiting on a --check feed. Only while nothing iterates this scheduler: the
   * iteration waits on the same hook.
   */
  changed(): Promise<void> {
    if (this.#wake !== null) throw new Error('Scheduler.changed(): the scheduler is already being waited on');
    return new Promise<void>((resolve) => (this.#wake = resolve));
  }

  /** Ends the iteration early (error or abort). */
  stop(): void {
    this.#stopped = true;
    this.#poke();
  }

  #poke(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<WorkItem> {
    while (!this.#stopped) {
      const item = this.#next();
      if (item !== null) {
        this.#inflight++;
        yield item;
        continue;
      }
      if (this.#inflight === 0 && !this.#feeding) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #next(maxCost = Infinity): WorkItem | null {
    const { workers } = this.options;
    if (this.#dirs.length > 0 && this.#heap.files < BACKLOG_FILES) {
      // Depth first (pop from the end) keeps the queue short; a few directories per message
      // (each is listed and mostly hashed there, so a message is already real work).
      const n = Math.min(8, Math.max(1, Math.ceil(this.#dirs.length / (2 * workers))));
      const dirs = this.#dirs.splice(-n, n);
      const item: ListItem = { kind: 'list', id: this.#nextId++, dirs, ctx: this.options.ctx, hasher: this.options.hasher };
      const cachedFor = this.options.cachedFor;
      if (cachedFor) item.cached = dirs.map(cachedFor);
      this.#listsInFlight++;
      return item;
    }
    // A partial batch, or big files, only when the workers (each holds one running + one queued
    // item) would wait. Big files wait as long as possible, so that each group is made of files
    // of similar size: while the walk goes on, one group of the biggest; after it, all of them,
    // in as many groups as there are workers (3 files on 2 workers: groups of 2 and 1).
    if (this.#heap.size === 0 && this.#inflight < 2 * workers) {
      const big = this.#big.length;
      if (big > 0 && this.walking) this.#groupBig(Math.min(LANES, big), 1);
      else if (big > 0) this.#groupBig(Math.min(LANES, Math.ceil(big / workers)), Infinity);
      else if (this.#batcher.pending > 0) this.#batcher.flush();
    }
    if ((this.#heap.peek()?.cost ?? 0) > maxCost) return null;
    const batch = this.#heap.pop();
    if (batch === undefined) return null;
    const item: HashItem = { kind: 'hash', id: this.#nextId++, paths: batch.paths, hasher: this.options.hasher };
    if (this.options.countBytes) item.countBytes = true;
    if (this.options.ctx.cwd) item.cwd = this.options.ctx.cwd;
    this.#inFlightBatches.set(item.id, batch);
    return item;
  }
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
