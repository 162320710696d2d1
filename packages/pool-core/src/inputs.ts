/** Reading task inputs: sync or async iterables, sized or not, and the chunksize rules. */

export type AnyIterable<T> = Iterable<T> | AsyncIterable<T>;

/** True for objects with `Symbol.asyncIterator`. */
export function isAsyncIterable<T>(value: unknown): value is AsyncIterable<T> {
  return value != null && typeof (value as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
}

/** @throws TypeError naming `where` unless `value` is a sync or async iterable. */
export function checkIterable(value: unknown, where: string): void {
  const ok = value != null && (typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' || isAsyncIterable(value));
  if (!ok) throw new TypeError(`${where}: expected an iterable or async iterable of inputs, got ${value === null ? 'null' : typeof value}`);
}

/** Reads a whole input (map and starmap need every item anyway, as in Python). */
export async function collect<T>(iterable: AnyIterable<T>): Promise<T[]> {
  if (Array.isArray(iterable)) return iterable as T[];
  if (!isAsyncIterable<T>(iterable)) return Array.from(iterable);
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/**
 * Python's default for `map`: `ceil(len / (4 * workers))`, so each worker gets about four chunks:
 * few messages, yet a slow chunk cannot leave the others idle for long.
 */
export function defaultChunksize(length: number, workers: number): number {
  return Math.max(1, Math.ceil(length / (4 * workers)));
}

/** @throws RangeError naming `where` and `name` unless `value` is an integer >= 1. */
export function checkPositiveInt(value: unknown, name: string, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${where}: ${name} must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}
