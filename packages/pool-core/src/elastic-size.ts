/**
 * Elastic pool size (`minProcesses`, `idleTimeoutMs`): how many workers to start, and when an idle
 * one leaves. The engine (its crew, worker-crew.ts) keeps the workers; this file only decides.
 *
 * - At least `minProcesses` workers serve while the pool may still get work (the default,
 *   `minProcesses = processes`, is a fixed-size pool, as in Python).
 * - Above that, a worker is started for each queued batch that no worker can take now and no
 *   worker being started will take, up to `processes`: a lone call that finds every worker busy
 *   starts one worker, a big map starts them all, and a caller that waits for each result before
 *   the next call keeps using one worker.
 * - A worker that has been idle `idleTimeoutMs` leaves (asked to exit, as on close()), unless that
 *   would leave fewer than `minProcesses`. Its exit is no crash: it holds nothing, and the engine
 *   sends nothing to a worker it asked to leave, so a task that arrives meanwhile goes to another
 *   worker, or to a new one.
 */
import type { Pool } from './pool.js';
import type { WorkerSlot } from './worker-slot.js';

/** setTimeout's limit: a longer delay fires at once (Node warns and uses 1 ms). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The validated elastic-size options. */
export interface SizeOptions {
  minProcesses: number;
  /** null: idle workers never leave. */
  idleTimeoutMs: number | null;
}

/**
 * Validates `minProcesses` (an integer from 0 to `processes`, default `processes`) and
 * `idleTimeoutMs` (an integer from 1 to 2^31 - 1, or Infinity: never, the default).
 * @throws RangeError naming `where`, the option and the value.
 */
export function sizeOptions(options: { minProcesses?: unknown; idleTimeoutMs?: unknown }, processes: number, where: string): SizeOptions {
  const { minProcesses = processes, idleTimeoutMs = Infinity } = options;
  if (typeof minProcesses !== 'number' || !Number.isInteger(minProcesses) || minProcesses < 0 || minProcesses > processes) {
    throw new RangeError(`${where}: minProcesses must be an integer from 0 to processes (${processes}), got ${String(minProcesses)}`);
  }
  if (idleTimeoutMs !== Infinity && (typeof idleTimeoutMs !== 'number' || !Number.isInteger(idleTimeoutMs) || idleTimeoutMs < 1 || idleTimeoutMs > MAX_TIMER_MS)) {
    throw new RangeError(`${where}: idleTimeoutMs must be an integer from 1 to ${MAX_TIMER_MS} (ms), or Infinity for never, got ${String(idleTimeoutMs)}`);
  }
  return { minProcesses, idleTimeoutMs: idleTimeoutMs === Infinity ? null : idleTimeoutMs };
}

/** Workers not asked to leave (`serving`), and those of them still starting (not ready). */
export function countWorkers(workers: Iterable<WorkerSlot>): { serving: number; starting: number } {
  let serving = 0;
  let starting = 0;
  for (const w of workers) {
    if (w.leaving !== null) continue;
    serving++;
    if (!w.ready) starting++;
  }
  return { serving, starting };
}

/** How many workers to start now (see the file comment); never negative. */
export function workersToStart(now: { serving: number; starting: number; queued: number }, min: number, max: number): number {
  const forWork = Math.min(max - now.serving, now.queued - now.starting);
  return Math.max(min - now.serving, forWork, 0);
}

interface IdleRecord {
  /** performance.now() when the worker last became idle. */
  since: number;
  timer: NodeJS.Timeout | null;
}

/**
 * Retires workers idle for `timeoutMs`. One timer per worker, armed when it becomes idle and not
 * cleared when it gets work: when it fires, a busy worker is left alone (it re-arms the next time
 * it is idle), and one that became idle again later than planned gets the rest of its time. So a
 * busy pool pays one clock read per idle moment, not a timer per task. Timers are unref'd: an
 * idle pool does not keep the process alive.
 */
export class IdleReaper {
  readonly #idle = new Map<WorkerSlot, IdleRecord>();

  /** `retire(w)` is called when `w` may have been idle long enough; the engine decides if it leaves. */
  constructor(
    private readonly timeoutMs: number,
    private readonly retire: (w: WorkerSlot) => void,
  ) {}

  /** `w` has just become idle. */
  idle(w: WorkerSlot): void {
    const since = performance.now();
    const record = this.#idle.get(w);
    if (record === undefined) this.#idle.set(w, { since, timer: this.#arm(w, this.timeoutMs) });
    else {
      record.since = since;
      record.timer ??= this.#arm(w, this.timeoutMs);
    }
  }

  /** `w` exited: drop its timer. */
  forget(w: WorkerSlot): void {
    const record = this.#idle.get(w);
    if (record?.timer) clearTimeout(record.timer);
    this.#idle.delete(w);
  }

  #arm(w: WorkerSlot, ms: number): NodeJS.Timeout {
    const timer = setTimeout(() => this.#due(w), ms);
    timer.unref();
    return timer;
  }

  #due(w: WorkerSlot): void {
    const record = this.#idle.get(w);
    if (record === undefined) return;
    const left = record.since + this.timeoutMs - performance.now();
    // Timers may fire a little early by the performance clock; a millisecond is not worth a re-arm.
    if (left > 1) {
      record.timer = this.#arm(w, Math.ceil(left));
      return;
    }
    record.timer = null;
    this.retire(w);
  }
}
