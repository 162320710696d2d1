import { describe, expect, it } from 'vitest';
import { defineTasks, taskRef, toModuleUrl } from '../src/index.js';
import { addressOf, resolveTask } from '../src/tasks.js';
import { double } from './fixtures/tasks.js';

describe('task addresses', () => {
  it('defineTasks keeps the functions callable and tags them with module URL + name', () => {
    expect(double(4)).toBe(8);
    expect(addressOf(double, 'test')).toEqual({ module: new URL('./fixtures/tasks.ts', import.meta.url).href, name: 'double' });
  });

  it('a function without an address is refused with instructions', () => {
    expect(() => addressOf((x: number) => x, 'pool.map')).toThrow(/pool\.map: function \(anonymous\) is not a pool task.*defineTasks\(import\.meta\.url/s);
    expect(() => addressOf(null, 'pool.map')).toThrow(/null is not a pool task/);
  });

  it('module URLs: file URLs pass, absolute paths become file URLs, relative paths are refused', () => {
    expect(toModuleUrl('file:///a/b.js')).toBe('file:///a/b.js');
    expect(toModuleUrl('/a/b c.js')).toBe('file:///a/b%20c.js');
    expect(() => toModuleUrl('./b.js')).toThrow(/must be import\.meta\.url/);
    expect(() => defineTasks('rel.js', { f: () => 1 })).toThrow(TypeError);
    expect(() => defineTasks(import.meta.url, { f: 3 as never })).toThrow(/f is number, not a function/);
    expect(() => taskRef(import.meta.url, '')).toThrow(/exportName/);
  });

  it('resolveTask finds declared tasks and plain exports, and names what is missing', async () => {
    const fixtures = new URL('./fixtures/tasks.ts', import.meta.url).href;
    expect((await resolveTask({ module: fixtures, name: 'double' }))(5)).toBe(10);
    await expect(resolveTask({ module: fixtures, name: 'nope' })).rejects.toThrow(/task nope not found in .*fixtures\/tasks\.ts/);
  });

  it('a name the module lacks: the message lists what it declares, suggests the closest, and says defineTasks must run at top level', async () => {
    const fixtures = new URL('./fixtures/tasks.ts', import.meta.url).href;
    const error = (await resolveTask({ module: fixtures, name: 'doubel' }).catch((e: unknown) => e)) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/Did you mean double\? It declares: double, fail, wait\./);
    expect(error.message).toMatch(/must run at the top level of the module/);
    const far = (await resolveTask({ module: fixtures, name: 'somethingElse' }).catch((e: unknown) => e)) as TypeError;
    expect(far.message).not.toMatch(/Did you mean/);
  });

  it('an import that fails: "while importing <module>", the original error as cause', async () => {
    const missing = new URL('./fixtures/does-not-exist.js', import.meta.url).href;
    const error = (await resolveTask({ module: missing, name: 'x' }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(new RegExp(`^while importing task module ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Cannot find module`));
    expect((error.cause as { code?: string }).code).toBe('ERR_MODULE_NOT_FOUND');
  });

  it('a .cjs module is loaded with require: its exports are found, a missing one fails the same way', async () => {
    const cjs = new URL('./fixtures/cjs-tasks.cjs', import.meta.url).href;
    expect((await resolveTask({ module: cjs, name: 'triple' }))(5)).toBe(15);
    await expect(resolveTask({ module: cjs, name: 'tripel' })).rejects.toThrow(/task tripel not found in .*cjs-tasks\.cjs: .*Did you mean triple\?/s);
    const missing = new URL('./fixtures/does-not-exist.cjs', import.meta.url).href;
    const error = (await resolveTask({ module: missing, name: 'x' }).catch((e: unknown) => e)) as Error;
    expect(error.message).toMatch(new RegExp(`^while importing task module ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Cannot find module`));
    expect((error.cause as { code?: string }).code).toBe('MODULE_NOT_FOUND');
  });
});
