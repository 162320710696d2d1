// piscina: run(task, { name }) per task; transfer with transferList + move() in the worker.
import { drive } from './driver.mjs';

const filename = new URL('./tasks/piscina-worker.mjs', import.meta.url).href;

await drive({
  name: 'piscina',
  version: (lib) => lib.version,
  load: () => import('piscina'),
  create: (lib, workers) => new lib.Piscina({ filename, minThreads: workers, maxThreads: workers }),
  call: (pool, a, b) => pool.run([a, b], { name: 'add' }),
  echo: (pool, buf) => pool.run(buf, { name: 'echo' }),
  echoTransfer: (pool, buf) => pool.run(buf, { name: 'echoMove', transferList: [buf.buffer] }),
  destroy: (pool) => pool.destroy(),
  createConcurrent: (lib, workers, perWorker) =>
    new lib.Piscina({ filename, minThreads: workers, maxThreads: workers, concurrentTasksPerWorker: perWorker }),
  callIo: (pool) => pool.run(null, { name: 'wait1' }),
});
