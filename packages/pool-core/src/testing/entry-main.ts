/**
 * The main code of the entry scripts (entry-script*.ts): make a pool of the backend under test
 * (the module named by `MPOOL_TEST_FACTORY` in the environment, which reaches thread workers,
 * child processes and, through its own environment, a fleet), map `double`, print the result.
 */
import type { Pool, Task } from '@mpool/pool-core';

export async function runMain(double: Task<(x: number) => number>): Promise<void> {
  const { createPool } = (await import(process.env.MPOOL_TEST_FACTORY!)) as { createPool(o: { processes: number }): Pool };
  const pool = createPool({ processes: 2 });
  console.log(JSON.stringify(await pool.map(double, [1, 2, 3])));
  pool.close();
  await pool.join(10_000);
}
