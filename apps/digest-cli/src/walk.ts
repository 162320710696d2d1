/**
 * The walk. Directories are listed *inside the workers* (sync `readdirSync`, names as latin1
 * byte strings: ~10× cheaper than async fs calls on the main thread, and non-UTF-8 names
 * survive); scan.ts hashes what they hold, and the main thread only schedules what is left.
 *
 * The type of every entry is decided from its dirent (or lstat) before anything is opened, so a
 * FIFO, socket or device is never opened for reading. Symlinks are neither followed nor hashed
 * unless `follow` is set (like `find -type f` / `find -L -type f`).
 */
import { lstatSync, readdirSync, statSync, type BigIntStats, type Dirent, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import type { Ignore } from 'ignore';
import { issueFromError, type Issue } from './errors.js';
import { bytePathToBuffer, fsBuffer, fsPath, joinBytePath, stringToBytePath, type BytePath } from './paths.js';

/** A directory still to list. */
export interface DirItem {
  path: BytePath;
  /** Index in `path` where the part relative to its operand starts (for --exclude). */
  relStart: number;
  /** `dev:ino` of this directory and its ancestors; only with `follow` (loop detection). */
  ancestors?: string[];
}

/** What a worker needs to know about the run to list directories. */
export interface WalkContext {
  follow: boolean;
  /** gitignore-style patterns, matched against paths relative to each operand. */
  exclude: string[];
  /** Stat every file for its size (progress shows bytes). Otherwise only small directories are. */
  sizes: boolean;
  /**
   * --cache: stat every file with nanosecond times (`{ bigint: true }`) and keep the stats, so
   * the listing's one stat per file both sizes the file and matches it against the cache.
   * `cutoffNs`: digests of files whose mtime or ctime is not older than this are never reused.
   */
  cache?: { cutoffNs: bigint } | null;
  /**
   * --backend bullmq: the caller's working directory (a byte string), against which the
   * fleet's workers resolve relative paths (paths.ts `inBaseDir`); unset locally.
   */
  cwd?: BytePath;
  /**
   * --backend bullmq: a listing item also lists the subdirectories it finds, within its budget
   * (scan.ts), so that a tree of many small directories makes few, large jobs: each costs a
   * broker round trip. Not with `cache` (the cache's entries travel per directory given).
   */
  descend?: boolean;
  /** Time budget of a listing item (scan.ts BUDGET_MS when unset; longer on a fleet, whose jobs cost a round trip each). */
  budgetMs?: number;
}

/** The entries of one directory that matter. */
export interface DirListing {
  files: BytePath[];
  /** Sizes of `files`, or null when they were not looked up (see {@link STAT_LIMIT}). */
  sizes: number[] | null;
  /** With `ctx.cache`: the stats of `files` (stat under --follow, else lstat). */
  stats?: BigIntStats[];
  dirs: DirItem[];
  issues: Issue[];
}

/**
 * Directories with at most this many files get their files' sizes (one lstat each), so that
 * the few big files typical of such directories are scheduled biggest first. In larger
 * directories an lstat per file would cost ~15% of hashing small files (a syscall is ~2.5 µs
 * on these VMs), so they are hashed in place without sizes (see scan.ts).
 */
export const STAT_LIMIT = 16;
export type Kind = 'file' | 'dir' | 'symlink' | 'special' | 'unknown';

const SPECIAL_NAMES: Array<[keyof Dirent & keyof Stats, string]> = [
  ['isFIFO', 'fifo'],
  ['isSocket', 'socket'],
  ['isCharacterDevice', 'character device'],
  ['isBlockDevice', 'block device'],
];

export function kindOf(entry: Dirent | Stats | BigIntStats): Kind {
  if (entry.isFile()) return 'file';
  if (entry.isDirectory()) return 'dir';
  if (entry.isSymbolicLink()) return 'symlink';
  for (const [method] of SPECIAL_NAMES) if ((entry[method] as () => boolean).call(entry)) return 'special';
  return 'unknown'; // DT_UNKNOWN: some file systems do not fill d_type
}

function specialName(stats: Dirent | Stats | BigIntStats): string {
  for (const [method, name] of SPECIAL_NAMES) if ((stats[method] as () => boolean).call(stats)) return name;
  return 'special file';
}

/** The note for a FIFO, socket or device, which is skipped without being opened. */
export const skippedSpecial = (path: BytePath, entry: Dirent | Stats | BigIntStats | string): Issue => ({
  severity: 'note',
  path,
  code: 'ESPECIAL',
  message: `not a regular file (${typeof entry === 'string' ? entry : specialName(entry)}), skipped`,
});

const devIno = (s: Stats | BigIntStats): string => `${s.dev}:${s.ino}`;

// The matcher caches the answer for every path it is asked about (and each parent directory),
// which would grow with the tree: it is rebuilt after this many questions, so memory stays
// bounded and compiling the patterns again costs nothing per file, amortised.
const FILTER_QUESTIONS = 100_000;
let cachedFilter: { key: string; ig: Ignore; asked: number } | null = null;
/**
 * One compiled matcher per worker and pattern list (patterns come with every task). Also used by
 * --audit, to leave the same paths out of the manifest's side; `questions` is how many paths the
 * caller is about to ask about.
 *
 * Git matches bytes: `?` and each `[...]` stand for one byte, so `caf?.log` does not match
 * `café.log` (é is two bytes in UTF-8) and `caf??.log` does. The matcher works on JS strings, so
 * it is given byte strings on both sides (one char per byte: the patterns' UTF-8 bytes, the
 * paths' raw bytes), which also lets a pattern match a name that is not UTF-8 (`bad?.bin`).
 */
export function excluder(patterns: string[], questions: number): Ignore | null {
  if (patterns.length === 0) return null;
  const key = patterns.join('\0');
  if (cachedFilter?.key !== key || cachedFilter.asked > FILTER_QUESTIONS) {
    // Loaded on first use: most runs have no --exclude, and every worker would pay for it.
    const ignore = createRequire(import.meta.url)('ignore') as (options?: { ignorecase?: boolean }) => Ignore;
    // Case-sensitive, as git on Linux (the library defaults to ignoring case).
    cachedFilter = { key, ig: ignore({ ignorecase: false }).add(patterns.map(stringToBytePath)), asked: 0 };
  }
  cachedFilter.asked += questions;
  return cachedFilter.ig;
}

/** Lists one directory (worker side). Never throws: problems become issues. */
export function listDir(dir: DirItem, ctx: WalkContext): DirListing {
  const out: DirListing = { files: [], sizes: null, dirs: [], issues: [] };
  let entries: Dirent[];
  try {
    // latin1 names *are* byte strings: no Buffer per entry, and non-UTF-8 names survive.
    entries = readdirSync(fsBuffer(dir.path), { withFileTypes: true, encoding: 'latin1' });
  } catch (error) {
    out.issues.push(issueFromError(dir.path, error));
    return out;
  }
  const ig = excluder(ctx.exclude, entries.length);
  const bigint = Boolean(ctx.cache);
  const known: Array<Stats | BigIntStats | undefined> = [];
  for (const entry of entries) {
    const path = joinBytePath(dir.path, entry.name);
    let kind = kindOf(entry);
    let stats: Stats | BigIntStats | undefined;
    // The dirent's type decides, without a syscall, except: unknown types, symlinks to follow,
    // and directories under --follow (their dev:ino detects loops).
    if (kind === 'unknown' || (ctx.follow && (kind === 'symlink' || kind === 'dir'))) {
      const looked = lookUp(path, kind, ctx.follow, out.issues, bigint);
      if (looked === null) continue;
      stats = looked;
      kind = kindOf(stats);
    }
    if (ig !== null && kind !== 'symlink' && ig.ignores(relative(path, dir.relStart, kind === 'dir'))) continue;
    if (kind === 'file') {
      out.files.push(path);
      known.push(stats);
    } else if (kind === 'dir') {
      const child = childDir(path, dir, stats, out.issues);
      if (child) out.dirs.push(child);
    } else if (kind === 'special') {
      out.issues.push(skippedSpecial(path, stats ?? entry));
    }
  }
  if (bigint || ctx.sizes || out.files.length <= STAT_LIMIT) addSizes(out, known, ctx.follow, bigint);
  return out;
}

/**
 * stat (following) or lstat; null (and maybe an issue) when the entry is gone or dangling.
 * Under --follow a symlink's stats are its target's: the file whose bytes are hashed, so also the
 * ones --cache must compare.
 */
export function lookUp(path: BytePath, kind: Kind, follow: boolean, issues: Issue[], bigint = false): Stats | BigIntStats | null {
  try {
    if (bigint) return follow ? statSync(fsPath(path), { bigint: true }) : lstatSync(fsPath(path), { bigint: true });
    return follow ? statSync(fsPath(path)) : lstatSync(fsPath(path));
  } catch (error) {
    // A dangling symlink is not a file (find -L -type f skips it too).
    if (!(kind === 'symlink' && (error as NodeJS.ErrnoException).code === 'ENOENT')) issues.push(issueFromError(path, error));
    return null;
  }
}

/** Fills `sizes`; a file that vanished since the listing is reported and dropped. */
function addSizes(out: DirListing, known: Array<Stats | BigIntStats | undefined>, follow: boolean, bigint: boolean): void {
  const files: BytePath[] = [];
  const sizes: number[] = [];
  const all: BigIntStats[] = [];
  out.files.forEach((path, i) => {
    const stats = known[i] ?? lookUp(path, 'file', follow, out.issues, bigint);
    if (stats === null) return;
    files.push(path);
    sizes.push(Number(stats.size));
    if (bigint) all.push(stats as BigIntStats);
  });
  out.files = files;
  out.sizes = sizes;
  if (bigint) out.stats = all;
}

/** The path below its operand, as a byte string (see {@link excluder}); directories end in `/`. */
function relative(path: BytePath, relStart: number, isDir: boolean): BytePath {
  const rel = path.slice(relStart);
  return isDir ? `${rel}/` : rel;
}

/** The DirItem for a subdirectory, or null (and a note) when following it would loop. */
export function childDir(path: BytePath, parent: DirItem, stats: Stats | BigIntStats | undefined, issues: Issue[]): DirItem | null {
  if (!parent.ancestors || !stats) return { path, relStart: parent.relStart };
  const id = devIno(stats);
  const at = parent.ancestors.indexOf(id);
  if (at >= 0) {
    issues.push({ severity: 'note', path, code: 'ELOOPDIR', message: 'file system loop detected (a symlink back to an ancestor), not followed' });
    return null;
  }
  return { path, relStart: parent.relStart, ancestors: [...parent.ancestors, id] };
}

/** What an operand turned out to be (main side). */
export type Operand =
  | { kind: 'dir'; item: DirItem }
  | { kind: 'file'; path: BytePath; size: number; stats: BigIntStats }
  | { kind: 'issue'; issue: Issue };

/**
 * Classifies a command-line operand. Operands themselves are followed when they are symlinks
 * (like `find -H`): naming a link to a directory means that directory.
 */
export function classifyOperand(path: BytePath, follow: boolean): Operand {
  let stats: BigIntStats;
  try {
    // Nanosecond times for --cache (the stat that sizes an operand is the one it is matched by).
    stats = statSync(bytePathToBuffer(path), { bigint: true });
  } catch (error) {
    return { kind: 'issue', issue: issueFromError(path, error) };
  }
  if (stats.isDirectory()) {
    const relStart = path.endsWith('/') ? path.length : path.length + 1;
    return { kind: 'dir', item: follow ? { path, relStart, ancestors: [devIno(stats)] } : { path, relStart } };
  }
  if (stats.isFile()) return { kind: 'file', path, size: Number(stats.size), stats };
  return { kind: 'issue', issue: skippedSpecial(path, stats) };
}
