/** Resources: no hang, no leak, bounded read-ahead, fast terminate, no process kept alive. */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { blob, sleepThen, sqr } from './tasks.js';
import { poolTracker, range, runInNode, type ConformanceTarget } from './target.js';

function forceGc(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

export function registerResourceTests(target: ConformanceTarget): void {
  describe('resources', () => {
    const makePool = poolTracker(target);

    it('terminate() while 10,000 tasks of 100 ms are queued: join() within 2 s, every pending result rejects', async () => {
      const pool = makePool({ processes: 2 });
      const results = range(10_000).map(() => pool.applyAsync(sleepThen, [100]));
      await new Promise((resolve) => setTimeout(resolve, 150));
      const started = Date.now();
      await pool.terminate();
      await pool.join(2000);
      expect(Date.now() - started).toBeLessThan(2000);
      const outcomes = await Promise.all(results.map((r) => r.get(0).then(() => 'ok', () => 'rejected')));
      const rejected = outcomes.filter((o) => o === 'rejected').length;
      expect(rejected).toBeGreaterThan(9_900); // at most a few finished before terminate
      expect(rejected + outcomes.filter((o) => o === 'ok').length).toBe(10_000);
    });

    it('imap over an infinite generator: breaking after 10 results returns, input pulled a bounded amount', async () => {
      const pool = makePool({ processes: 2 });
      let pulled = 0;
      function* naturals() {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      }
      const got: number[] = [];
      for await (const v of pool.imap(sqr, naturals())) {
        got.push(v);
        if (got.length === 10) break;
      }
      expect(got).toEqual(range(10).map((x) => x * x));
      const atBreak = pulled;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(pulled).toBe(atBreak); // no reading after the consumer left
      expect(pulled).toBeLessThanOrEqual(10 + 64);
      expect(await pool.apply(sqr, [3])).toBe(9);
    });

    // Not a timed test: 100,000 round trips take ~26 s on the BullMQ fleet of an idle 2-core machine
    // (a Redis job each), over the 30 s default under a loaded CI, hence its own generous limit.
    it('task arguments and results are not retained after tasks settle (100,000 tasks)', { timeout: 180_000 }, async () => {
      const gc = forceGc();
      const pool = makePool({ processes: 2 });
      await pool.map(sqr, range(1000));
      gc();
      const before = process.memoryUsage().heapUsed;
      const arg = 'a'.repeat(1000);
      for (let round = 0; round < 10; round++) {
        const rs: Array<{ wait(): Promise<boolean> }> = range(10_000).map(() => pool.applyAsync(blob, [1000]));
        rs.push(pool.applyAsync(sqr, [arg.length]));
        await Promise.all(rs.map((r) => r.wait()));
      }
      await pool.map(sqr, range(10_000).map(() => 1));
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      // 100,000 results of 1 kB would be ~100 MB if kept; allow noise well below that.
      expect(grown).toBeLessThan(20 * 1024 * 1024);
    });

    it('a pool that is never closed does not keep the process alive once idle', async () => {
      const { code, stdout, stderr } = await runInNode(target, 'console.log(JSON.stringify(await pool.map(sqr, [1, 2, 3])));');
      expect(stderr).toBe('');
      expect(stdout.trim()).toBe('[1,4,9]');
      expect(code).toBe(0);
    });

    it('close() then await join() at the top level of a script ends it cleanly (exit 0)', async () => {
      const { code, stdout, stderr } = await runInNode(target, 'pool.applyAsync(sqr, [5]); pool.close(); await pool.join(5000); console.log("joined");');
      expect(stderr).toBe('');
      expect(stdout.trim()).toBe('joined');
      expect(code).toBe(0);
    });
  });

}
