// The adapter shared by both mpool backends: same API, only the class differs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importWorkspace, NotBuilt, REPO_ROOT } from '../workspace.mjs';

const TASKS = new URL('./tasks/mpool-tasks.mjs', import.meta.url).href;

export function mpoolAdapter(name, pkg, dir, className) {
  let add, inc, echo, wait1, echoMove, move;
  return {
    name,
    version: () => JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')).version,
    async load() {
      const lib = await importWorkspace(pkg, dir);
      if (typeof lib[className] !== 'function') throw new NotBuilt(`${pkg} does not export ${className} yet`);
      add = lib.taskRef(TASKS, 'add');
      inc = lib.taskRef(TASKS, 'inc');
      echo = lib.taskRef(TASKS, 'echo');
      wait1 = lib.taskRef(TASKS, 'wait1');
      echoMove = lib.taskRef(TASKS, 'echoMove');
      move = lib.move;
      return lib;
    },
    // `poolOptions`: the start-up variants' extra options (pools.mjs, STARTUP_VARIANTS).
    create: (lib, workers, poolOptions = {}) => new lib[className]({ processes: workers, ...poolOptions }),
    // The same pool without stats collection: the bench shows what collecting costs.
    createWithoutStats: (lib, workers) => new lib[className]({ processes: workers, stats: false }),
    call: (pool, a, b) => pool.applyAsync(add, [a, b]).get(),
    map: (pool, items, chunksize) => (chunksize === undefined ? pool.map(inc, items) : pool.map(inc, items, chunksize)),
    echo: (pool, buf) => pool.applyAsync(echo, [buf]).get(),
    // move() both ways: the argument here, the result in the task (see tasks/mpool-tasks.mjs).
    echoTransfer: (pool, buf) => pool.applyAsync(echoMove, [move(buf)]).get(),
    destroy: (pool) => pool.terminate(),
    createConcurrent: (lib, workers, perWorker) => new lib[className]({ processes: workers, concurrentTasksPerWorker: perWorker }),
    callIo: (pool) => pool.applyAsync(wait1).get(),
  };
}
