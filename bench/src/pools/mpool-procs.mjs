// mpool ProcessPool (@mpool/pool-procs): applyAsync per task, map with chunksize.
import { drive } from './driver.mjs';
import { mpoolAdapter } from './mpool-adapter.mjs';

await drive(mpoolAdapter('mpool-procs', '@mpool/pool-procs', 'packages/pool-procs', 'ProcessPool'));
