/**
 * `--audit FILE [PATH...]`: compare the tree now with a manifest made earlier by digest-tree (or
 * sha512sum), and report what happened to each file:
 *   changed: PATH          same file, different digest
 *   missing: PATH          in the manifest, gone from the tree
 *   moved: OLD -> NEW      gone from OLD, and a new path has OLD's digest
 *   new: PATH              in the tree, not in the manifest
 * Files are matched by their canonical key (audit-paths.ts), not by spelling, and named by it.
 * Lines are grouped in that order and sorted by key within a group; the summary goes to stderr.
 * Exit status: 0 nothing changed, 1 something changed, 2 usage error or unreadable file/manifest
 * (a file that cannot be read cannot be compared).
 *
 * Both sides are kept in a compact DigestStore, sorted, and merged: no Map or object per file.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { CliOptions } from './cli/args.js';
import type { Io, Reporter } from './cli/io.js';
import { displayName } from './check.js';
import { digestTree, type RunOptions } from './digest.js';
import { SetupError } from './errors.js';
import { classifyLine, manifestLabel, manifestName, openManifest } from './manifest.js';
import { fsPath, stringToBytePath, type BytePath } from './paths.js';
import { DigestStore } from './store.js';
import { compareStores, type AuditReport } from './audit-compare.js';
import { KeyMaker, RootFinder, isUnder, keyToOperand, relativeTo } from './audit-paths.js';
import { excluder } from './walk.js';

export { compareStores, type AuditReport } from './audit-compare.js';

/** The manifest's entries as written, and what the lines were. */
async function readEntries(file: string, io: Io): Promise<{ store: DigestStore; roots: RootFinder; badLines: number }> {
  const store = new DigestStore();
  const roots = new RootFinder();
  let badLines = 0;
  const source = openManifest(file, io);
  try {
    for await (const line of source.lines()) {
      const parsed = classifyLine(line);
      if (parsed.kind === 'bad') badLines++;
      if (parsed.kind !== 'entry') continue;
      store.addHex(parsed.entry.path, parsed.entry.hex);
      roots.add(parsed.entry.path);
    }
  } finally {
    source.close();
  }
  return { store, roots, badLines };
}

/** Where the audit looks: the base of relative manifest paths, and the roots (as keys). */
interface Scope {
  keys: KeyMaker;
  roots: BytePath[];
}

const exists = (key: BytePath): boolean => {
  try {
    statSync(fsPath(keyToOperand(key)));
    return true;
  } catch {
    return false;
  }
};

/** Files probed to tell whether a base makes the manifest name existing files (no PATH). */
const PROBE = 1000;

/**
 * Decides the scope (see the README, "--audit"). Relative manifest paths are resolved against
 * the current directory. If that leaves nothing to compare, the manifest's own directory is
 * tried, then the PATH operand (when there is exactly one, a directory): the first that gives
 * something to compare is used, and a note says so. "Something to compare": with PATH, some
 * manifest path lies under a PATH; without PATH, one of the first {@link PROBE} files the
 * manifest names exists.
 */
function decideScope(options: CliOptions, manifest: DigestStore, found: RootFinder, reporter: Reporter): Scope {
  const cwd = stringToBytePath(process.cwd());
  const here = new KeyMaker(cwd, cwd);
  const operandRoots = options.paths.map((p) => here.key(stringToBytePath(p)));
  const tryBase = (base: BytePath): { scope: Scope; useful: boolean } => {
    const keys = new KeyMaker(cwd, base);
    if (operandRoots.length > 0) {
      let useful = manifest.size === 0;
      for (let i = 0; i < manifest.size && !useful; i++) {
        const key = keys.key(manifest.path(i));
        useful = operandRoots.some((root) => isUnder(key, root));
      }
      return { scope: { keys, roots: operandRoots }, useful };
    }
    const { relative, absolute } = found.roots();
    if (absolute === '/') throw new SetupError(`${manifestLabel(options.manifest!)}: its absolute paths share no directory but /: name the PATH to audit`);
    const all = [...new Set([...relative.map((r) => keys.key(r)), ...(absolute === null ? [] : [keys.key(absolute)])])];
    // `./x` and `./d/y` name `.` and `./d`: walking `.` covers both.
    const roots = all.filter((r) => !all.some((other) => other !== r && isUnder(r, other)));
    let useful = manifest.size === 0;
    for (let i = 0; i < Math.min(PROBE, manifest.size) && !useful; i++) useful = exists(keys.key(manifest.path(i)));
    return { scope: { keys, roots }, useful };
  };
  const absolute = (key: BytePath) => (key.startsWith('/') ? key : key === '' ? cwd : `${cwd === '/' ? '' : cwd}/${key}`);
  const candidates: Array<{ base: BytePath; why: string }> = [];
  if (options.manifest !== '-') candidates.push({ base: absolute(here.key(stringToBytePath(dirname(options.manifest!)))), why: 'the directory of the manifest' });
  if (operandRoots.length === 1 && statSync(fsPath(keyToOperand(operandRoots[0]!)), { throwIfNoEntry: false })?.isDirectory()) {
    candidates.push({ base: absolute(operandRoots[0]!), why: 'the PATH operand' });
  }
  const first = tryBase(cwd);
  if (first.useful) return first.scope;
  for (const { base, why } of candidates) {
    if (base === cwd) continue;
    const tried = tryBase(base);
    if (!tried.useful) continue;
    const shown = keyToOperand(here.key(base));
    reporter.say(`note: relative paths in ${manifestName(options.manifest!)} are read from ${why}, ${shown}: from the current directory they name nothing to audit`);
    return tried.scope;
  }
  return first.scope;
}

/** The manifest with its paths as keys, and the scope; the paths as written are not kept. */
async function readManifest(options: CliOptions, io: Io, reporter: Reporter): Promise<{ before: DigestStore; scope: Scope }> {
  const read = await readEntries(options.manifest!, io);
  if (read.store.size === 0 && read.badLines > 0) throw new SetupError(`${manifestLabel(options.manifest!)}: no properly formatted checksum lines found`);
  const scope = decideScope(options, read.store, read.roots, reporter);
  return { before: read.store.renamed((path) => scope.keys.key(path)), scope };
}

/** Runs --audit; resolves with the exit code. */
export async function runAudit(options: CliOptions, run: RunOptions, io: Io, reporter: Reporter): Promise<number> {
  const { before, scope } = await readManifest(options, io, reporter);

  const now = new DigestStore();
  const treeKeys = new KeyMaker(stringToBytePath(process.cwd()), stringToBytePath(process.cwd()));
  const unreadable = new Set<BytePath>();
  await digestTree(scope.roots.map(keyToOperand), run, {
    file: (path, digests, offset) => now.add(treeKeys.key(path), digests, offset),
    issue: (issue) => {
      if (issue.severity === 'error') unreadable.add(treeKeys.key(issue.path));
      reporter.issue(issue);
    },
    progress: (counts) => reporter.progress?.update(counts),
  });
  reporter.progress?.stop();
  reporter.progress = null;

  // Deepest root first: a path is relative to the innermost PATH it lies under.
  const roots = [...scope.roots].sort((a, b) => b.length - a.length);
  let outside = 0;
  const report = compareStores(before, now, (key) => {
    if (hidden(key, unreadable)) return false;
    const root = roots.find((r) => isUnder(key, r));
    if (root === undefined) {
      outside++;
      return false;
    }
    // The walk applies --exclude below each PATH only; a PATH named exactly is never excluded.
    // Keys are byte strings, as the walk gives the matcher (git matches bytes).
    const rel = relativeTo(key, root);
    return !(rel !== '' && excluder(options.exclude, 1)?.ignores(rel));
  });
  printReport(report, io);
  const { changed, missing, moved, added, unchanged } = report;
  const beyond = outside > 0 ? `, ${outside} outside PATH (not compared)` : '';
  reporter.say(`audit: ${added.length} new, ${missing.length} missing, ${changed.length} changed, ${moved.length} moved, ${unchanged} unchanged${beyond}`);
  if (unreadable.size > 0) return 2;
  return changed.length + missing.length + moved.length + added.length > 0 ? 1 : 0;
}

function printReport(report: AuditReport, io: Io): void {
  const line = (kind: string, text: string) => io.out.write(`${kind}: ${text}\n`, 'latin1');
  for (const p of report.changed) line('changed', displayName(keyToOperand(p)));
  for (const p of report.missing) line('missing', displayName(keyToOperand(p)));
  for (const [from, to] of report.moved) line('moved', `${displayName(keyToOperand(from))} -> ${displayName(keyToOperand(to))}`);
  for (const p of report.added) line('new', displayName(keyToOperand(p)));
}

/** True if `key` or one of its parent directories could not be read. */
function hidden(key: BytePath, unreadable: Set<BytePath>): boolean {
  if (unreadable.size === 0) return false;
  for (let at = key.length; at > 0; at = key.lastIndexOf('/', at - 1)) {
    if (unreadable.has(key.slice(0, at))) return true;
  }
  return unreadable.has('');
}
