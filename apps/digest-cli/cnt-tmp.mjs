import { buildDigestMap } from './dist/index.js';
const backend = process.argv[2]; const jobs = Number(process.argv[3]);
let n = 0; const t0 = performance.now(); let first = 0;
const m = await buildDigestMap('/tmp/mpool-corpus/mixed', { backend, jobs, fleet: { redis: 'redis://127.0.0.1:6392', queue: 'digest' }, onProgress: () => { if (!n) first = performance.now() - t0; n++; } });
console.log(backend, jobs, 'results', n, 'files', m.size, 'first', first.toFixed(0), 'total', (performance.now() - t0).toFixed(0));
