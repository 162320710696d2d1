/**
 * The worker's own event loop keeps turning between tasks, also when they come back to back
 * (a worker thread looks for its next task a short while before it sleeps: idle-spin.ts), so a
 * task's timers, I/O and promises never starve while the pool is kept busy.
 */
import { describe, expect, it } from 'vitest';
import { tick } from './tasks.js';
import { poolTracker, type ConformanceTarget } from './target.js';

export function registerWorkerLoopTests(target: ConformanceTarget): void {
  describe("the worker's event loop", () => {
    const makePool = poolTracker(target);

    it("a worker's own timer ticks while tasks come to it back to back", async () => {
      const pool = makePool({ processes: 1 });
      await pool.apply(tick, [5]); // the worker started and the timer set (not timed)
      const began = performance.now();
      const seen: Array<{ count: number; forMs: number }> = [];
      // At least 400 ms and 20 calls (on a fleet the first calls may land on processes still importing the task).
      while ((performance.now() - began < 400 || seen.length < 20) && performance.now() - began < 10_000) seen.push((await pool.apply(tick, [5])) as { count: number; forMs: number });
      expect(seen.length).toBeGreaterThanOrEqual(20);
      // The worker (on a fleet: the process) whose timer has ticked longest: every 5 ms would be
      // forMs / 5 ticks; a loop starved by back-to-back tasks ticks once or never.
      const longest = seen.reduce((a, b) => (b.forMs > a.forMs ? b : a));
      expect(longest.forMs).toBeGreaterThan(100);
      expect(longest.count).toBeGreaterThanOrEqual(Math.floor(longest.forMs / 5 / 4));
    });
  });
}
