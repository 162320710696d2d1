/** The canonical keys and the roots of --audit (pure functions). */
import { describe, expect, it } from 'vitest';
import { KeyMaker, RootFinder, isUnder } from '../src/audit-paths.js';

describe('KeyMaker', () => {
  const here = new KeyMaker('/home/u', '/home/u');

  it('gives one key to every spelling of a file: relative to the current directory inside it, absolute outside', () => {
    for (const p of ['d/a', './d/a', 'd//a', 'd/./a', 'd/s/../a', '/home/u/d/a', '../u/d/a']) expect([p, here.key(p)]).toEqual([p, 'd/a']);
    expect(here.key('../v/x')).toBe('/home/v/x');
    expect(here.key('/etc/passwd')).toBe('/etc/passwd');
    expect(here.key('.')).toBe('');
    expect(new KeyMaker('/', '/').key('etc/x')).toBe('etc/x');
  });

  it('resolves against another base (the manifest directory), keys still relative to the current directory', () => {
    const inside = new KeyMaker('/home/u', '/home/u/d');
    expect([inside.key('a'), inside.key('./s/b'), inside.key('../e/x')]).toEqual(['d/a', 'd/s/b', 'e/x']);
    const outside = new KeyMaker('/home/u/d', '/home/u');
    expect([outside.key('d/a'), outside.key('e/x')]).toEqual(['a', '/home/u/e/x']);
  });

  it('keeps raw bytes (latin1 byte strings) as they are', () => {
    expect(here.key('./caf\xe9/\xff')).toBe('caf\xe9/\xff');
  });
});

describe('RootFinder', () => {
  const rootsOf = (paths: string[]) => {
    const f = new RootFinder();
    for (const p of paths) f.add(p);
    return f.roots();
  };

  it('a relative path stands for the operand digest-tree was given', () => {
    expect(rootsOf(['d/a', 'd/s/b', 'e/x'])).toEqual({ relative: ['d', 'e'], absolute: null });
    // (`./s` lies inside `.`: runAudit drops such nested roots.)
    expect(rootsOf(['./a', './s/b'])).toEqual({ relative: ['.', './s'], absolute: null });
    expect(rootsOf(['./d/a', './d/s/b'])).toEqual({ relative: ['./d'], absolute: null });
    expect(rootsOf(['../x/a', 'file'])).toEqual({ relative: ['../x', 'file'], absolute: null });
  });

  it('absolute paths stand for their deepest common directory; none but / is reported as /', () => {
    expect(rootsOf(['/srv/d/a', '/srv/d/s/b'])).toEqual({ relative: [], absolute: '/srv/d' });
    expect(rootsOf(['/etc/passwd', '/home/u/x'])).toEqual({ relative: [], absolute: '/' });
  });
});

describe('isUnder', () => {
  it('is component-wise, not a string prefix', () => {
    expect([isUnder('d/a', 'd'), isUnder('d', 'd'), isUnder('dd/a', 'd'), isUnder('a', ''), isUnder('/x', ''), isUnder('/x/y', '/')]).toEqual([true, true, false, true, false, true]);
  });
});
