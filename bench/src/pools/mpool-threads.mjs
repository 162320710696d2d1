// mpool ThreadPool (@mpool/pool-threads): applyAsync per task, map with chunksize.
import { drive } from './driver.mjs';
import { mpoolAdapter } from './mpool-adapter.mjs';

await drive(mpoolAdapter('mpool-threads', '@mpool/pool-threads', 'packages/pool-threads', 'ThreadPool'));
