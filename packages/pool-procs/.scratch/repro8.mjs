import { ProcessPool } from '../dist/index.js';
import { ThreadPool } from '../../pool-threads/dist/index.js';
import * as t from './tasks.mjs';
for (const P of [ThreadPool, ProcessPool]) {
  const pool = new P({ processes: 1 });
  for (const task of ['retBuf', 'retSub', 'retF64']) { const v = await pool.apply(t[task]); console.log(P.name, task, v.constructor.name, v.byteOffset, v.byteLength, v.buffer.byteLength); }
  const big = new Float64Array(1000);
  console.log(P.name, 'arg', await pool.apply(t.layout, [new Float64Array(2)]), await pool.apply(t.layout, [Buffer.from('xyz')]), await pool.apply(t.layout, [big.subarray(1, 3)]));
  await pool.terminate();
}
