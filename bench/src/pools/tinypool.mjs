// tinypool: run(task, { name }) per task; transfer with transferList + Tinypool.move() in the worker.
import { drive } from './driver.mjs';

const filename = new URL('./tasks/tinypool-worker.mjs', import.meta.url).href;

await drive({
  name: 'tinypool',
  load: () => import('tinypool'),
  create: (lib, workers) => new lib.Tinypool({ filename, minThreads: workers, maxThreads: workers }),
  call: (pool, a, b) => pool.run([a, b], { name: 'add' }),
  echo: (pool, buf) => pool.run(buf, { name: 'echo' }),
  echoTransfer: (pool, buf) => pool.run(buf, { name: 'echoMove', transferList: [buf.buffer] }),
  destroy: (pool) => pool.destroy(),
  createConcurrent: (lib, workers, perWorker) =>
    new lib.Tinypool({ filename, minThreads: workers, maxThreads: workers, concurrentTasksPerWorker: perWorker }),
  callIo: (pool) => pool.run(null, { name: 'wait1' }),
});
