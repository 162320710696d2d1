/**
 * An entry script that declares its tasks in itself and creates a pool at its top level, the way
 * a quick script is written (issue #10, item 7). Every worker imports this file to find `double`,
 * which runs this top-level code again inside the worker: without mpool's guard, each worker would
 * start a pool of its own, for ever. entry-script-guarded.ts and entry-script-main.ts are the same
 * script with the two guards the README recommends, which must make it work. (Each variant is a
 * file of its own, as a user's script is: a worker, possibly on another machine, imports the file
 * and must meet the same guard; the environment of a fleet is not the caller's.)
 *
 * Run as `node [--import tsx] entry-script.js` with `MPOOL_TEST_FACTORY` in the environment (see entry-main.ts).
 */
import { defineTasks } from '@mpool/pool-core';
import { runMain } from './entry-main.js';

export const { double } = defineTasks(import.meta.url, { double: (x: number) => 2 * x });

await runMain(double);
