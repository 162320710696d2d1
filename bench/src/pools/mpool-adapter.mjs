// The adapter shared by both mpool backends: same API, only the class differs.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importWorkspace, NotBuilt, REPO_ROOT } from '../workspace.mjs';

const TASKS = new URL('./tasks/mpool-tasks.mjs', import.meta.url).href;

export function mpoolAdapter(name, pkg, dir, className) {
  let add, inc, echo, echoMove, move;
  return {
    name,
    version: () => JSON.parse(readFileSync(join(REPO_ROOT, dir, 'package.json'), 'utf8')).version,
    async load() {
      const lib = await importWorkspace(pkg, dir);
      if (typeof lib[className] !== 'function') throw new NotBuilt(`${pkg} does not export ${className} yet`);
      add = lib.taskRef(TASKS, 'add');
      inc = lib.taskRef(TASKS, 'inc');
      echo = lib.taskRef(TASKS, 'echo');
      echoMove = lib.taskRef(TASKS, 'echoMove');
      move = lib.move;
      return lib;
    },
    create: (lib, workers) => new lib[className]({ processes: workers }),
    call: (pool, a, b) => pool.applyAsync(add, [a, b]).get(),
    map: (pool, items, chunksize) => (chunksize === undefined ? pool.map(inc, items) : pool.map(inc, items, chunksize)),
    echo: (pool, buf) => pool.applyAsync(echo, [buf]).get(),
    // move() both ways: the argument here, the result in the task (see tasks/mpool-tasks.mjs).
    echoTransfer: (pool, buf) => pool.applyAsync(echoMove, [move(buf)]).get(),
    destroy: (pool) => pool.terminate(),
  };
}
