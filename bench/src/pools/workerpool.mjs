// workerpool: exec(method, args) per task, worker_threads workers; transfer with { transfer } and workerpool.Transfer.
import { fileURLToPath } from 'node:url';
import { drive } from './driver.mjs';

const script = fileURLToPath(new URL('./tasks/workerpool-worker.mjs', import.meta.url));

await drive({
  name: 'workerpool',
  load: async () => (await import('workerpool')).default,
  create: (lib, workers) => lib.pool(script, { minWorkers: workers, maxWorkers: workers, workerType: 'thread' }),
  call: (pool, a, b) => pool.exec('add', [a, b]),
  echo: (pool, buf) => pool.exec('echo', [buf]),
  echoTransfer: (pool, buf) => pool.exec('echoTransfer', [buf], { transfer: [buf.buffer] }),
  destroy: (pool) => pool.terminate(),
});
