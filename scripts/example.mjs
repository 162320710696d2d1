#!/usr/bin/env node
// The README's first job until digest-tree lands: map a function over a ThreadPool, Python-style.
import { ThreadPool, cpuCount } from '@mpool/pool-threads';
import { sqr, slowSqr } from './example-tasks.mjs';

const pool = new ThreadPool();
const started = performance.now();
const squares = await pool.map(sqr, Array.from({ length: 100_000 }, (_, i) => i));
console.log(`map(sqr, 0..99999) on ${cpuCount()} threads: sum = ${squares.reduce((a, b) => a + b, 0)} in ${(performance.now() - started).toFixed(0)} ms`);
for await (const line of pool.imapUnordered(slowSqr, [5, 1, 3])) console.log(`imapUnordered -> ${line}`);
pool.close();
await pool.join();
