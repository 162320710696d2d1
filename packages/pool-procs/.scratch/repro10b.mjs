import { ProcessPool } from '../dist/index.js';
import { ThreadPool } from '../../pool-threads/dist/index.js';
import { MessageChannel } from 'node:worker_threads';
import * as t from './tasks.mjs';
import crypto from 'node:crypto';
const { port1 } = new MessageChannel();
const vals = { port: port1, key: crypto.createSecretKey(Buffer.from('abc')), blob: new Blob(['x']), hash: crypto.createHash('sha256'), url: new URL('http://a/'), bound: (() => 1).bind(null) };
for (const P of [ThreadPool, ProcessPool]) {
  const pool = new P({ processes: 1 });
  for (const [k, v] of Object.entries(vals)) {
    try { const r = await pool.apply(t.callIt, [v]); console.log(P.name, k, 'ok', r?.constructor?.name, r); } catch (e) { console.log(P.name, k, e.constructor.name, e.message.slice(0, 100)); }
  }
  await pool.terminate();
}
port1.close();
