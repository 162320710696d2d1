/** No orphans: when the parent is killed with SIGKILL, every child exits within 2 s. */
import { describe, expect, it } from 'vitest';
import { runScript, stillRunningAfter, waitFor } from './helpers.js';

async function killParentAndCheck(mode: 'spin' | 'sleep', busy: number): Promise<void> {
  const parent = runScript('orphan-parent.ts', [mode]);
  try {
    const started = (s: string) => (s.match(/^started \d+$/gm) ?? []).length;
    await waitFor(parent.stdout, (s) => /^pids \[.*\]$/m.test(s) && started(s) >= busy, 20_000, 'the parent to start its pool');
    const pids = JSON.parse(/^pids (\[.*\])$/m.exec(parent.stdout())![1]!) as number[];
    expect(pids).toHaveLength(2);
    parent.child.kill('SIGKILL');
    await parent.exited;
    const left = await stillRunningAfter(pids, 2000);
    for (const pid of left) process.kill(pid, 'SIGKILL'); // do not leak them into other tests
    expect(left, 'children still running 2 s after their parent was killed').toEqual([]);
  } finally {
    parent.child.kill('SIGKILL');
  }
}

describe('no orphans when the parent is killed with SIGKILL', () => {
  it('children awaiting a timer or idle exit when the IPC channel closes (no watchdog)', async () => {
    await killParentAndCheck('sleep', 1);
  });

  it('a child stuck in a synchronous loop is ended by its watchdog thread', async () => {
    await killParentAndCheck('spin', 2);
  });
});
