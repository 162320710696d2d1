/**
 * Which task modules a fleet worker may import: only files under its `--root` folders. A job
 * names its task by module URL, and importing a module runs its code, so without this anyone who
 * can write to the queue could make every worker run any code on the machine.
 */
import { realpathSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaskAddress } from '@mpool/pool-core';

/** A job names a module outside the worker's roots (or not a file). Crosses to the caller by name and message. */
export class TaskModuleRefusedError extends Error {
  override name = 'TaskModuleRefusedError';
}

export class TaskRoots {
  readonly roots: string[];

  constructor(dirs: string[]) {
    this.roots = dirs.map((dir) => real(resolve(dir)));
  }

  /** Returns the refusal for `address`, or null when its module may be imported. */
  refusal(address: TaskAddress): TaskModuleRefusedError | null {
    let file: string | null = null;
    try {
      if (address.module.startsWith('file:')) file = real(fileURLToPath(address.module));
    } catch {
      file = null;
    }
    if (file !== null && this.roots.some((root) => inside(root, file!))) return null;
    const roots = this.roots.join(', ');
    return new TaskModuleRefusedError(
      `mpool-worker refuses task module ${address.module} (task ${address.name}): it is not a file under the worker's --root folders (${roots}); start mpool-worker with --root covering it`,
    );
  }
}

/** The real path when the file exists (symlinks cannot lead out of a root), else the path itself. */
function real(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function inside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
