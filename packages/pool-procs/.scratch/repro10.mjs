import { ProcessPool } from '../dist/index.js';
import * as t from './tasks.mjs';
for (const processes of [1, 2, 4]) for (const cs of [undefined, 1, 3]) {
  const pool = new ProcessPool({ processes });
  try { console.log(processes, cs, await pool.map(t.callIt, [1, () => 2, 3], cs)); } catch (e) { console.log(processes, cs, e.constructor.name, e.message.slice(0, 80)); }
  await pool.terminate();
}
