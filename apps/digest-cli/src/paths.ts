/**
 * Path encodings. Node's string paths cannot carry file names that are not valid UTF-8 (they are
 * decoded lossily), so digest-tree keeps every path internally as a *byte string*: a JS string
 * whose char codes are the raw bytes (Node's `latin1` encoding). Byte strings round-trip through
 * `Buffer.from(s, 'latin1')`, survive structured cloning to workers cheaply (V8 stores them one
 * byte per char), and compare with `<` in bytewise order, which is the output order.
 *
 * For JSON and for the library's Map keys, names are decoded with Python's `surrogateescape`
 * scheme (PEP 383): valid UTF-8 decodes as usual and each byte of an invalid sequence becomes the
 * lone surrogate U+DC80..U+DCFF. That is lossless and reversible ({@link fsencode}), and is what
 * Python's `os.fsdecode` gives for the same bytes.
 */
import { isUtf8 } from 'node:buffer';

/** A path as raw bytes in a JS string (one char per byte, `latin1`). */
export type BytePath = string;

const ASCII = /^[\x00-\x7f]*$/;

/** Raw bytes → byte string. */
export const bytesToBytePath = (bytes: Uint8Array): BytePath => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');

/** Byte string → raw bytes (for fs calls and for raw output). */
export const bytePathToBuffer = (path: BytePath): Buffer => Buffer.from(path, 'latin1');

/**
 * The directory (with a trailing `/`) that relative paths are resolved against by
 * {@link fsPath} / {@link fsBuffer}; '' = the process's own. Set only around one work item of a
 * fleet worker ({@link inBaseDir}): its process runs in another directory than the caller, whose
 * relative paths (`digest-tree tree`) must still mean the caller's `tree` and print as such.
 */
let baseDir: BytePath = '';

/**
 * Runs `fn` (synchronous, so nothing else in this thread sees the setting) with relative paths
 * resolved against `dir` (a caller's working directory) in every fs call of the walk and hasher.
 */
export function inBaseDir<T>(dir: BytePath | undefined, fn: () => T): T {
  if (!dir) return fn();
  baseDir = dir.endsWith('/') ? dir : `${dir}/`;
  try {
    return fn();
  } finally {
    baseDir = '';
  }
}

const based = (path: BytePath): BytePath => (baseDir === '' || path.charCodeAt(0) === 47 ? path : baseDir + path);

/**
 * A byte string as fs and the native hasher take it: ASCII paths stay strings (no Buffer to
 * allocate per file), others become their raw bytes. Relative paths are resolved against
 * {@link inBaseDir}'s directory when one is set.
 */
export const fsPath = (path: BytePath): string | Buffer => {
  const full = based(path);
  return ASCII.test(full) ? full : Buffer.from(full, 'latin1');
};

/** {@link fsPath} always as raw bytes. */
export const fsBuffer = (path: BytePath): Buffer => Buffer.from(based(path), 'latin1');

/** A path typed by a user (command line, library caller): its UTF-8 bytes as a byte string. */
export const stringToBytePath = (path: string): BytePath => (ASCII.test(path) ? path : Buffer.from(fsencode(path)).toString('latin1'));

/** Byte string → display string (surrogateescape for bytes that are not UTF-8). */
export function fsdecodeBytePath(path: BytePath): string {
  if (ASCII.test(path)) return path;
  return fsdecode(bytePathToBuffer(path));
}

/**
 * Decodes bytes as UTF-8 with surrogateescape: invalid bytes become U+DC80..U+DCFF.
 * `fsencode(fsdecode(b))` equals `b` for any bytes.
 */
export function fsdecode(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (isUtf8(buf)) return buf.toString('utf8');
  let out = '';
  let i = 0;
  while (i < buf.length) {
    const len = validSequenceLength(buf, i);
    if (len === 0) out += String.fromCharCode(0xdc00 + buf[i]!);
    else out += buf.toString('utf8', i, i + len);
    i += len || 1;
  }
  return out;
}

/** Length of the strictly valid UTF-8 sequence starting at `i`, or 0 if there is none. */
function validSequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number) => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1] ?? 0;
    // No overlong forms (E0 80..9F) and no UTF-16 surrogates (ED A0..BF).
    if ((c === 0xe0 && c1 < 0xa0) || (c === 0xed && c1 > 0x9f)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1] ?? 0;
    if ((c === 0xf0 && c1 < 0x90) || (c === 0xf4 && c1 > 0x8f)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/**
 * The inverse of {@link fsdecode}: UTF-8, except that lone surrogates U+DC80..U+DCFF become the
 * byte they escape. Use it to open a path taken from JSON output or from {@link buildDigestMap}.
 * @throws TypeError for any other lone surrogate (no byte sequence decodes to it).
 */
export function fsencode(path: string): Buffer {
  if (ASCII.test(path)) return Buffer.from(path, 'latin1');
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < path.length; i++) {
    const u = path.charCodeAt(i);
    if (u < 0xd800 || u > 0xdfff) continue;
    const next = path.charCodeAt(i + 1);
    if (u <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      i++; // a proper surrogate pair: plain UTF-8
      continue;
    }
    if (u < 0xdc80 || u > 0xdcff) throw new TypeError(`fsencode: lone surrogate U+${u.toString(16).toUpperCase()} at ${i} is not an escaped byte`);
    parts.push(Buffer.from(path.slice(start, i), 'utf8'), Buffer.of(u - 0xdc00));
    start = i + 1;
  }
  parts.push(Buffer.from(path.slice(start), 'utf8'));
  return Buffer.concat(parts);
}

/** True if the byte string is valid UTF-8 (so JSON can show it as plain text). */
export const isUtf8BytePath = (path: BytePath): boolean => ASCII.test(path) || isUtf8(bytePathToBuffer(path));

/** `dir/name` the way `find DIR` prints it: no second slash when the operand already ends in one. */
export const joinBytePath = (dir: BytePath, name: BytePath): BytePath => (dir.endsWith('/') ? dir + name : `${dir}/${name}`);

/**
 * Byte strings packed into one buffer, to cross from a worker to the main thread as one block:
 * a million paths cloned one string at a time leave a million strings (~50 MB) of garbage in the
 * main heap, and cost as many allocations. Path i is `bytes[ends[i - 1] ?? 0, ends[i])`.
 */
export interface PackedPaths {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/** Packs byte strings (worker side). */
export function packPaths(paths: BytePath[]): PackedPaths {
  let total = 0;
  for (const p of paths) total += p.length;
  // Unpooled: a pooled slab would be cloned whole with it.
  const bytes = Buffer.allocUnsafeSlow(total);
  const ends = new Uint32Array(paths.length);
  let at = 0;
  paths.forEach((p, i) => {
    at += bytes.write(p, at, 'latin1');
    ends[i] = at;
  });
  return { bytes, ends };
}

/** Paths as a plain list or packed (what crosses between threads in bulk). */
export type PathList = BytePath[] | PackedPaths;

/** Number of paths in a list. */
export const pathCount = (list: PathList): number => (Array.isArray(list) ? list.length : list.ends.length);

/** Path `i` of a list, as a byte string. */
export const pathAt = (list: PathList, i: number): BytePath => (Array.isArray(list) ? list[i]! : unpackPath(list, i));

/** Path `i` of a packed list, as a byte string. */
export function unpackPath(packed: PackedPaths, i: number): BytePath {
  const start = i === 0 ? 0 : packed.ends[i - 1]!;
  return Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset + start, packed.ends[i]! - start).toString('latin1');
}
