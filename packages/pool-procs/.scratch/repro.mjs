import { ProcessPool } from '../dist/index.js';
import { ThreadPool } from '../../pool-threads/dist/index.js';
import * as t from './tasks.mjs';
for (const P of [ThreadPool, ProcessPool]) {
  const pool = new P({ processes: 1 });
  const show = async (label, p) => { try { const v = await p; console.log(P.name, label, 'ok', v?.byteOffset, v?.buffer?.byteLength ?? v); } catch (e) { console.log(P.name, label, 'ERR', e?.constructor?.name, String(e?.message ?? e), e?.cause ? 'cause=' + e.cause : ''); } };
  await show('callIt', pool.map(t.callIt, [1, () => 2, 3]));
  await show('argSab', pool.apply(t.callIt, [new SharedArrayBuffer(8)]));
  await show('retSab', pool.apply(t.retSab));
  await show('retF64', pool.apply(t.retF64));
  await show('getter', pool.apply(t.throwGetter));
  await show('nested', pool.apply(t.throwNested));
  await show('sym', pool.apply(t.throwSym));
  const rs = await Promise.allSettled(Array.from({length: 40}, (_, i) => i === 5 ? pool.apply(t.throwNested) : pool.apply(t.retU8, [i])));
  console.log(P.name, 'rejected', rs.filter(r => r.status === 'rejected').length);
  await pool.terminate();
}
