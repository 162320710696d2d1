/**
 * Errors keep their detail on the way back: hostile errors (throwing getters, proxies) never cost
 * the task's own message nor the worker, non-cloneable thrown objects keep what can be kept, and
 * the messages about task modules say what went wrong and where.
 */
import { describe, expect, it } from 'vitest';
import { taskRef, WorkerCrashedError } from '@mpool/pool-core';
import { crashInTimer, declareLateTask, sqr, throwHostile, whoami, type HostileKind } from './tasks.js';
import { poolTracker, range, rejectionOf, type ConformanceTarget } from './target.js';

const tasksModule = new URL('./tasks.js', import.meta.url).href;
const throwingModule = new URL('./throwing-module.js', import.meta.url).href;

/** Hostile errors that are Errors and whose message can be read: the message must arrive as thrown. */
const READABLE: HostileKind[] = ['prop-getter', 'nested-getter', 'name-getter', 'stack-getter', 'cause-getter', 'proxy'];

export function registerErrorDetailTests(target: ConformanceTarget): void {
  describe('hostile errors: serializing them never throws and never crashes the worker', () => {
    const makePool = poolTracker(target);

    for (const kind of READABLE) {
      it(`${kind}: the task's own error message arrives`, async () => {
        const pool = makePool({ processes: 1 });
        const error = (await rejectionOf(pool.apply(throwHostile, [kind]))) as Error;
        expect(error).toBeInstanceOf(Error);
        expect(error.message).toBe(`hostile ${kind}`);
      });
    }

    it('a getter that throws is described on its field, with what it threw', async () => {
      const pool = makePool({ processes: 1 });
      const error = (await rejectionOf(pool.apply(throwHostile, ['prop-getter']))) as Error & { detail?: unknown };
      expect(error.detail).toBe('[unserializable: reading it threw Error: getter error]');
      const cause = ((await rejectionOf(pool.apply(throwHostile, ['cause-getter']))) as Error).cause;
      expect(String(cause)).toMatch(/^\[unserializable: reading it threw/);
    });

    it('an unreadable message, a trapping proxy, a revoked proxy, a throwing toString: each rejects with a description, the worker survives', async () => {
      const pool = makePool({ processes: 1 });
      const first = await pool.apply(whoami);
      const unreadableMessage = (await rejectionOf(pool.apply(throwHostile, ['message-getter']))) as Error;
      expect(unreadableMessage).toBeInstanceOf(Error);
      expect(unreadableMessage.message).toMatch(/^\[unserializable: reading it threw/);
      const trapping = await rejectionOf(pool.apply(throwHostile, ['trapping-proxy']));
      expect(trapping).toBeInstanceOf(Error);
      expect((trapping as Error).message).toMatch(/^\[unserializable: reading it threw/);
      expect(await rejectionOf(pool.apply(throwHostile, ['revoked-proxy']))).toBe('[unserializable revoked Proxy]');
      expect(await rejectionOf(pool.apply(throwHostile, ['throwing-toString']))).toEqual({ code: 7, toString: '[unserializable function]' });
      expect((await pool.apply(whoami)).workerId).toBe(first.workerId);
    });

    it('one hostile error among 40 tasks rejects that task only', async () => {
      const pool = makePool({ processes: 1 });
      const first = await pool.apply(whoami);
      const outcomes = await Promise.allSettled(range(40).map((i) => (i === 5 ? pool.apply(throwHostile, ['nested-getter']) : pool.apply(sqr, [i]))));
      const rejected = outcomes.flatMap((o, i) => (o.status === 'rejected' ? [[i, (o.reason as Error).message]] : []));
      expect(rejected).toEqual([[5, 'hostile nested-getter']]);
      expect((await pool.apply(whoami)).workerId).toBe(first.workerId);
    });

    it('a thrown object that cannot be cloned keeps its cloneable fields and describes the rest', async () => {
      const pool = makePool({ processes: 1 });
      expect(await rejectionOf(pool.apply(throwHostile, ['symbol-in-object']))).toEqual({ s: '[unserializable symbol]', k: 1 });
    });
  });

  describe('messages about task modules', () => {
    const makePool = poolTracker(target);

    it('a task name that the module does not have: the message lists the names it declares and suggests the closest', async () => {
      const pool = makePool({ processes: 1 });
      const error = (await rejectionOf(pool.apply(taskRef<(x: number) => number>(tasksModule, 'sqrr'), [2]))) as Error;
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/task sqrr not found in .*tasks\.js/);
      expect(error.message).toMatch(/Did you mean sqr\?/);
      // The suite is bundled: tasks.js re-exports the tasks of a chunk, so they are listed as exports.
      expect(error.message).toMatch(/(declares|exports the functions): .*\bidentity\b.*\bsqr\b/);
    });

    it('defineTasks called inside a function: the message says it must run at the top level of the module', async () => {
      const { lateTask } = declareLateTask();
      expect(lateTask(1)).toBe(2);
      const pool = makePool({ processes: 1 });
      const error = (await rejectionOf(pool.apply(lateTask, [1]))) as Error;
      expect(error.message).toMatch(/task lateTask not found/);
      expect(error.message).toMatch(/top level of the module/);
    });

    it('an error thrown while importing a task module says which module, and keeps the original as its cause', async () => {
      const pool = makePool({ processes: 1 });
      const error = (await rejectionOf(pool.apply(taskRef<() => number>(throwingModule, 'neverRuns')))) as Error;
      expect(error.message).toMatch(/^while importing task module .*throwing-module\.js: configuration missing: MPOOL_TEST_CONFIG is not set$/);
      expect(error.cause).toBeInstanceOf(RangeError);
      expect((error.cause as Error).message).toBe('configuration missing: MPOOL_TEST_CONFIG is not set');
      expect(await pool.apply(sqr, [3])).toBe(9); // the worker is fine
    });
  });

  describe('crashes say why', () => {
    const makePool = poolTracker(target);

    it('an uncaught exception: the WorkerCrashedError cause holds its message', async () => {
      const pool = makePool({ processes: 1 });
      const error = (await rejectionOf(pool.apply(crashInTimer))) as WorkerCrashedError;
      expect(error).toBeInstanceOf(WorkerCrashedError);
      expect(error.cause).toBeInstanceOf(Error);
      expect((error.cause as Error).message).toMatch(/boom in a timer/);
    });
  });
}
