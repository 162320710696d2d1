import { describe, expect, it } from 'vitest';
import { Pool, PoolStateError, TopLevelPoolError } from '../src/index.js';
import { resolveTask } from '../src/tasks.js';
import { taskModuleBeingImported } from '../src/task-import.js';
import { LoopbackTransport } from './fixtures/loopback.js';

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).href;

/** The error itself or the first one in its `cause` chain that is a TopLevelPoolError. */
function topLevelPoolErrorIn(error: unknown): TopLevelPoolError | undefined {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof TopLevelPoolError) return e;
  return undefined;
}

describe('a pool created while a worker imports a task module', () => {
  it('by the module top-level code: the import fails with TopLevelPoolError naming the module and the fix', async () => {
    const url = fixture('pool-at-top-level.ts');
    const error = topLevelPoolErrorIn(await resolveTask({ module: url, name: 'one' }).catch((e: unknown) => e));
    expect(error).toBeInstanceOf(TopLevelPoolError);
    expect(error).toBeInstanceOf(PoolStateError);
    expect(error!.message).toContain(`new Pool was called while a pool worker was importing ${url}`);
    expect(error!.message).toMatch(/module of their own/);
    expect(error!.message).toMatch(/if \(!isPoolWorker\(\)\)/);
  });

  it('by a CommonJS module (.cjs, loaded with require): refused the same way', async () => {
    const url = fixture('pool-at-top-level.cjs');
    const error = await resolveTask({ module: url, name: 'one' }).catch((e: unknown) => e);
    // Thrown by the CommonJS build of pool-core (the fixture requires dist): matched by name.
    let found: Error | undefined;
    for (let e = error; e instanceof Error; e = e.cause) if (e.name === 'TopLevelPoolError') found = e;
    expect(found?.message).toContain(`new Pool was called while a pool worker was importing ${url}`);
  });

  it('after a top-level await: still refused', async () => {
    const error = await resolveTask({ module: fixture('pool-after-await.ts'), name: 'two' }).catch((e: unknown) => e);
    expect(topLevelPoolErrorIn(error)).toBeInstanceOf(TopLevelPoolError);
  });

  it('by other code while the import is pending (a task at run time): allowed', async () => {
    const loading = resolveTask({ module: fixture('slow-import.ts'), name: 'three' });
    await new Promise((resolve) => setTimeout(resolve, 50)); // the import is under way (300 ms)
    expect(taskModuleBeingImported()).toBeUndefined();
    const pool = new Pool(new LoopbackTransport(), { processes: 1 });
    await pool.terminate();
    expect((await loading)()).toBe(3);
  });

  it('outside any import: allowed, and nothing is reported as being imported', async () => {
    const pool = new Pool(new LoopbackTransport(), { processes: 1 });
    expect(taskModuleBeingImported()).toBeUndefined();
    await pool.terminate();
  });
});
