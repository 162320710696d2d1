/**
 * How `--audit` tells that a manifest line and a file in the tree are the same file, however
 * each spells it (`d/a`, `./d/a`, `/home/u/d/a`, `d//a`): both are turned into one canonical
 * *key*, the path resolved lexically (`.`, `..` and repeated slashes folded, symlinks not
 * resolved) and then written relative to the current directory when it lies inside it, or
 * absolute when it does not. Keys are also how the report names files. The README tells the
 * rules for relative manifest paths and for an audit without PATH.
 */
import { posix } from 'node:path';
import type { BytePath } from './paths.js';

/** `/a/./b`, `a//b`, `../b`, `a/`, `/x`: anything that is not plain `name/name/...` relative. */
const NOT_PLAIN = /^\/|\/\/|\/$|(^|\/)\.\.?(\/|$)/;

/** Turns paths into keys (see the module comment), for one base directory. */
export class KeyMaker {
  /** The key of `base` itself ('' when base is the current directory). */
  readonly #baseKey: string;
  #lastDir = '';
  #lastDirKey = '';

  /**
   * @param cwd the current directory, absolute, as a byte string
   * @param base the absolute directory relative paths are resolved against (usually `cwd`)
   */
  constructor(
    private readonly cwd: BytePath,
    private readonly base: BytePath,
  ) {
    this.#baseKey = this.#fromAbsolute(posix.resolve(base));
  }

  /** The key of `path`. */
  key(path: BytePath): BytePath {
    // A plain path below a base inside the current directory stays inside it: no resolving.
    if (!NOT_PLAIN.test(path) && !this.#baseKey.startsWith('/')) return this.#join(this.#baseKey, path);
    // Most paths of a walk share their directory with the previous one: resolve that once.
    const slash = path.lastIndexOf('/');
    const name = path.slice(slash + 1);
    if (slash <= 0 || name === '' || name === '.' || name === '..') return this.#fromAbsolute(posix.resolve(this.base, path));
    const dir = path.slice(0, slash);
    if (dir !== this.#lastDir) {
      this.#lastDir = dir;
      this.#lastDirKey = this.#fromAbsolute(posix.resolve(this.base, dir));
    }
    return this.#join(this.#lastDirKey, name);
  }

  #join(dirKey: BytePath, name: BytePath): BytePath {
    return dirKey === '' ? name : dirKey === '/' ? `/${name}` : `${dirKey}/${name}`;
  }

  #fromAbsolute(absolute: BytePath): BytePath {
    if (absolute === this.cwd) return '';
    if (this.cwd === '/') return absolute.slice(1);
    return absolute.startsWith(`${this.cwd}/`) ? absolute.slice(this.cwd.length + 1) : absolute;
  }
}

/** A key as a path to walk or open ('' is the current directory). */
export const keyToOperand = (key: BytePath): BytePath => (key === '' ? '.' : key);

/** True if `key` is `root` or lies under it (keys of directories and files). */
export function isUnder(key: BytePath, root: BytePath): boolean {
  if (root === '') return !key.startsWith('/');
  if (root === '/') return key.startsWith('/');
  return key === root || (key.startsWith(root) && key.charCodeAt(root.length) === 0x2f);
}

/** `key` relative to `root` (which {@link isUnder} says contains it); '' for the root itself. */
export function relativeTo(key: BytePath, root: BytePath): BytePath {
  if (root === '') return key;
  if (root === '/') return key.slice(1);
  return key.slice(root.length + 1);
}

/**
 * The roots an audit without PATH walks, from the manifest's paths as written: a relative path
 * stands for its first component after any leading `.` and `..` (`d` for `d/a`, `./d` for
 * `./d/a`, `../x` for `../x/a`, `.` for `./a`: the operand `digest-tree` was given, in the usual
 * case); absolute paths together stand for their deepest common directory (`/srv/d` for
 * `/srv/d/a` and `/srv/d/s/b`). Roots inside other roots are dropped by the caller.
 */
export class RootFinder {
  readonly #relative = new Set<BytePath>();
  #last: BytePath | null = null;
  #absolute: string[] | null = null;

  add(path: BytePath): void {
    if (path.startsWith('/')) return this.#addAbsolute(path);
    // Leading `./` and `../`, then the next component, unless that one is the file itself:
    // `./d/a` -> `./d`, `../x/a` -> `../x`, `./a` -> `.`, `d/a` -> `d`, `a` -> `a` (a file).
    // Index arithmetic, not split(): this runs once per manifest line.
    let at = 0;
    for (;;) {
      if (path.startsWith('./', at)) at += 2;
      else if (path.startsWith('../', at)) at += 3;
      else break;
    }
    const slash = path.indexOf('/', at);
    if (slash >= 0 && this.#last !== null && this.#last.length === slash && path.startsWith(this.#last)) return;
    this.#last = slash >= 0 ? path.slice(0, slash) : at > 0 ? path.slice(0, at - 1) : path;
    this.#relative.add(this.#last);
  }

  #addAbsolute(path: BytePath): void {
    // Directory components only: the last one is the file.
    const parts = path.split('/').filter((p, i) => i === 0 || p !== '');
    parts.pop();
    if (this.#absolute === null) {
      this.#absolute = parts;
      return;
    }
    let n = 0;
    while (n < parts.length && n < this.#absolute.length && parts[n] === this.#absolute[n]) n++;
    this.#absolute.length = n;
  }

  /** Relative roots, and the absolute one (null when none; '/' when they share no directory). */
  roots(): { relative: BytePath[]; absolute: BytePath | null } {
    const absolute = this.#absolute === null ? null : this.#absolute.join('/') || '/';
    return { relative: [...this.#relative].sort(), absolute };
  }
}
