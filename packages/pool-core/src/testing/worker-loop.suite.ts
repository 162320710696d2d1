/**
 * The worker's own event loop keeps turning between tasks, also when they come back to back
 * (a worker thread looks for its next task a short while before it sleeps: idle-spin.ts), so a
 * task's timers, I/O and promises never starve while the pool is kept busy.
 */
import { describe, expect, it } from 'vitest';
import { sqr, startTicking, stopTicking } from './tasks.js';
import { poolTracker, type ConformanceTarget } from './target.js';

export function registerWorkerLoopTests(target: ConformanceTarget): void {
  describe("the worker's event loop", () => {
    const makePool = poolTracker(target);

    it("a worker's own timer ticks while tasks come to it back to back", async () => {
      const pool = makePool({ processes: 1 });
      await pool.apply(startTicking, [5]);
      const began = performance.now();
      let calls = 0;
      while (performance.now() - began < 400) expect(await pool.apply(sqr, [calls++])).toBe((calls - 1) ** 2);
      const ticks = (await pool.apply(stopTicking)) as number;
      const elapsed = performance.now() - began;
      expect(calls).toBeGreaterThan(10);
      // Every 5 ms over >= 400 ms would be 80; a starved loop ticks once or never.
      expect(ticks).toBeGreaterThanOrEqual(Math.floor(elapsed / 5 / 4));
    });
  });
}
