/**
 * An entry script that declares its tasks in itself and creates a pool at its top level, the way
 * a quick script is written (issue #10, item 7). Every worker imports this file to find `double`,
 * which runs this top-level code again inside the worker: without mpool's guard, each worker would
 * start a pool of its own, for ever.
 *
 * Run as `node [--import tsx] entry-script.js` with, in the environment:
 * - `MPOOL_TEST_FACTORY`: URL of a module exporting `createPool(options)` (the backend under test);
 *   the environment reaches thread workers and child processes alike, argv does not.
 * - `MPOOL_TEST_GUARD`: `none` (unguarded), `isPoolWorker` or `main-module`: the two guards the
 *   README recommends, which must make the script work.
 */
import { pathToFileURL } from 'node:url';
import { defineTasks, isPoolWorker, type Pool } from '@mpool/pool-core';

export const { double } = defineTasks(import.meta.url, { double: (x: number) => 2 * x });

const guard = process.env.MPOOL_TEST_GUARD ?? 'none';
const isMain =
  guard === 'isPoolWorker'
    ? !isPoolWorker()
    : guard === 'main-module'
      ? process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href
      : true;

if (isMain) {
  const { createPool } = (await import(process.env.MPOOL_TEST_FACTORY!)) as { createPool(o: { processes: number }): Pool };
  const pool = createPool({ processes: 2 });
  console.log(JSON.stringify(await pool.map(double, [1, 2, 3])));
  pool.close();
  await pool.join(10_000);
}
