/** The jobs behind `AsyncResult`s: one call (`applyAsync`) and a whole list (`mapAsync`, `starmapAsync`). */
import { AsyncResult, SETTLE, type ResultCallbacks } from './async-result.js';
import type { Batch, Job } from './job.js';

/** `applyAsync`: one batch of one item. */
export class ApplyJob<T> implements Job {
  readonly result: AsyncResult<T>;
  constructor(
    readonly label: string,
    callbacks?: ResultCallbacks<T>,
  ) {
    this.result = new AsyncResult<T>(callbacks);
  }
  get settled(): boolean {
    return this.result.ready();
  }
  deliver(_batch: Batch, values: unknown[]): void {
    this.result[SETTLE]({ ok: true, value: values[0] as T });
  }
  fail(_batch: Batch | null, _values: unknown[], error: unknown): void {
    this.result[SETTLE]({ ok: false, error });
  }
}

/** `mapAsync` / `starmapAsync`: results land at their input positions; the first error wins. */
export class MapJob<T> implements Job {
  readonly result: AsyncResult<T[]>;
  #values: T[] | null = null;
  #pending = 0;

  constructor(
    readonly label: string,
    callbacks?: ResultCallbacks<T[]>,
  ) {
    this.result = new AsyncResult<T[]>(callbacks);
  }
  get settled(): boolean {
    return this.result.ready();
  }
  /** Called once the input is known: `batches` chunks covering `length` items. */
  expect(length: number, batches: number): void {
    this.#values = new Array<T>(length);
    this.#pending = batches;
    if (batches === 0) this.#finish();
  }
  deliver(batch: Batch, values: unknown[]): void {
    if (this.settled || this.#values === null) return;
    for (let i = 0; i < values.length; i++) this.#values[batch.start + i] = values[i] as T;
    if (--this.#pending === 0) this.#finish();
  }
  fail(_batch: Batch | null, _values: unknown[], error: unknown): void {
    this.#values = null;
    this.result[SETTLE]({ ok: false, error });
  }
  #finish(): void {
    const values = this.#values as T[];
    this.#values = null;
    this.result[SETTLE]({ ok: true, value: values });
  }
}
