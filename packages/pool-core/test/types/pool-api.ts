/**
 * Compile-time tests of the public types (never run; types.test.ts compiles this file with tsc).
 * Each `@ts-expect-error` marks a call that must NOT compile: if the types ever accept it, tsc
 * reports the directive as unused and the test fails.
 */
import { expectTypeOf } from 'vitest';
import { defineTasks, Pool, type AsyncResult, type Transport } from '../../src/index.js';

const { one, two, none, optional, init, asyncOne } = defineTasks(import.meta.url, {
  one: (x: number) => x * 2,
  two: (a: number, b: string) => `${a}${b}`,
  none: () => 'n',
  optional: (x?: number) => x ?? 0,
  init: (name: string, level: number) => void [name, level],
  asyncOne: async (x: string) => x.length,
});
declare const transport: Transport;
declare const pool: Pool;

// ---- initializer / initargs ----------------------------------------------------------------
new Pool(transport, { initializer: init, initargs: ['db', 3] });
// @ts-expect-error initargs of the wrong types
new Pool(transport, { initializer: init, initargs: [3, 'db'] });
// @ts-expect-error too few initargs
new Pool(transport, { initializer: init, initargs: ['db'] });
// @ts-expect-error an initializer that needs arguments, with none
new Pool(transport, { initializer: init });
new Pool(transport, { initializer: none });
new Pool(transport, { processes: 2 });
// @ts-expect-error an unknown option
new Pool(transport, { procesess: 2 });

// ---- apply / applyAsync --------------------------------------------------------------------
expectTypeOf(pool.apply(one, [1])).toEqualTypeOf<Promise<number>>();
expectTypeOf(pool.apply(asyncOne, ['abc'])).toEqualTypeOf<Promise<number>>();
expectTypeOf(pool.apply(none)).toEqualTypeOf<Promise<string>>();
expectTypeOf(pool.apply(optional)).toEqualTypeOf<Promise<number>>();
// @ts-expect-error a task that needs arguments, called without
void pool.apply(one);
// @ts-expect-error a task that needs arguments, called without
pool.applyAsync(two);
// @ts-expect-error arguments of the wrong type
void pool.apply(two, ['a', 1]);
expectTypeOf(pool.applyAsync(two, [1, 'b'])).toEqualTypeOf<AsyncResult<string>>();
pool.applyAsync(one, [1], { callback: (v) => expectTypeOf(v).toEqualTypeOf<number>() });
// @ts-expect-error an unknown call option
pool.applyAsync(one, [1], { transferList: [] });

// ---- map family ----------------------------------------------------------------------------
expectTypeOf(pool.map(one, [1, 2])).toEqualTypeOf<Promise<number[]>>();
expectTypeOf(pool.map(asyncOne, ['a'])).toEqualTypeOf<Promise<number[]>>();
// @ts-expect-error map passes one argument: a task that needs two cannot be mapped
void pool.map(two, [1, 2]);
// @ts-expect-error items of the wrong type
void pool.map(one, ['a']);
expectTypeOf(pool.starmap(two, [[1, 'a']])).toEqualTypeOf<Promise<string[]>>();
// @ts-expect-error argument lists of the wrong type
void pool.starmap(two, [['a', 1]]);
pool.mapAsync(one, [1], { callback: (values) => expectTypeOf(values).toEqualTypeOf<number[]>() });
pool.starmapAsync(two, [[1, 'a']], { callback: (values) => expectTypeOf(values).toEqualTypeOf<string[]>() });
void pool.map(one, [1], { chunksize: 1, callback: (values) => expectTypeOf(values).toEqualTypeOf<number[]>() });
expectTypeOf(pool.imap(one, [1])).toEqualTypeOf<AsyncIterableIterator<number>>();
expectTypeOf(pool.imapUnordered(asyncOne, ['a'])).toEqualTypeOf<AsyncIterableIterator<number>>();
// @ts-expect-error imap passes one argument
pool.imap(two, [1]);
