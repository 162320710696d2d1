/**
 * `--audit FILE`: compare the tree now with a manifest made earlier by digest-tree (or
 * sha512sum) over the same operands, and report what happened to each file:
 *   changed: PATH          same path, different digest
 *   missing: PATH          in the manifest, gone from the tree
 *   moved: OLD -> NEW      gone from OLD, and a new path has OLD's digest
 *   new: PATH              in the tree, not in the manifest
 * Lines are grouped in that order and sorted by path within a group; the summary goes to stderr.
 * Exit status: 0 nothing changed, 1 something changed, 2 usage error or unreadable file/manifest
 * (a file that cannot be read cannot be compared).
 */
import type { CliOptions } from './cli/args.js';
import type { Io, Reporter } from './cli/io.js';
import { displayName, readManifest } from './check.js';
import { digestTree, type RunOptions } from './digest.js';
import { DigestStore } from './store.js';
import type { ManifestEntry } from './format/lines.js';
import { stringToBytePath, type BytePath } from './paths.js';

/** What changed between a manifest and the tree. */
export interface AuditReport {
  changed: BytePath[];
  missing: BytePath[];
  moved: Array<[from: BytePath, to: BytePath]>;
  added: BytePath[];
  unchanged: number;
}

const byPath = (a: BytePath, b: BytePath) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Compares `before` (manifest) and `now` (path → hex). Paths in `unreadable` are still there but
 * could not be hashed: they are neither missing nor compared. Pure and deterministic.
 */
export function compare(before: ManifestEntry[], now: Map<BytePath, string>, unreadable: Set<BytePath> = new Set()): AuditReport {
  const old = new Map(before.map((e) => [e.path, e.hex]));
  const report: AuditReport = { changed: [], missing: [], moved: [], added: [], unchanged: 0 };
  const gone = new Map<string, BytePath[]>(); // digest -> old paths no longer present
  for (const [path, hex] of old) {
    const current = now.get(path);
    if (current === undefined && hidden(path, unreadable)) continue;
    if (current === undefined) (gone.get(hex) ?? gone.set(hex, []).get(hex)!).push(path);
    else if (current === hex) report.unchanged++;
    else report.changed.push(path);
  }
  const fresh = [...now.keys()].filter((p) => !old.has(p)).sort(byPath);
  for (const path of fresh) {
    // Pair each new path with the first (bytewise) vanished path of the same content.
    const candidates = gone.get(now.get(path)!);
    if (candidates && candidates.length > 0) {
      candidates.sort(byPath);
      report.moved.push([candidates.shift()!, path]);
    } else report.added.push(path);
  }
  for (const paths of gone.values()) report.missing.push(...paths);
  report.changed.sort(byPath);
  report.missing.sort(byPath);
  return report;
}

/** True if `path` or one of its parent directories could not be read. */
function hidden(path: BytePath, unreadable: Set<BytePath>): boolean {
  if (unreadable.size === 0) return false;
  for (let at = path.length; at > 0; at = path.lastIndexOf('/', at - 1)) {
    if (unreadable.has(path.slice(0, at))) return true;
  }
  return false;
}

/** Runs --audit; resolves with the exit code. */
export async function runAudit(options: CliOptions, run: RunOptions, io: Io, reporter: Reporter): Promise<number> {
  const manifest = readManifest(options.manifest!, io);
  if (manifest.entries.length === 0 && manifest.badLines > 0) {
    reporter.say(`${options.manifest}: no properly formatted checksum lines found`);
    return 2;
  }
  const store = new DigestStore();
  const unreadable = new Set<BytePath>();
  await digestTree(options.paths.map(stringToBytePath), run, {
    file: (path, digests, offset) => store.add(path, digests, offset),
    packedFile: (paths, i, digests, offset) => store.addPacked(paths, i, digests, offset),
    issue: (issue) => {
      if (issue.severity === 'error') unreadable.add(issue.path);
      reporter.issue(issue);
    },
    progress: (counts) => reporter.progress?.update(counts),
  });
  reporter.progress?.stop();
  reporter.progress = null;
  const now = new Map<BytePath, string>();
  for (let i = 0; i < store.size; i++) now.set(store.path(i), store.hex(i));
  const report = compare(manifest.entries, now, unreadable);
  const line = (kind: string, text: string) => io.out.write(`${kind}: ${text}\n`, 'latin1');
  for (const p of report.changed) line('changed', displayName(p));
  for (const p of report.missing) line('missing', displayName(p));
  for (const [from, to] of report.moved) line('moved', `${displayName(from)} -> ${displayName(to)}`);
  for (const p of report.added) line('new', displayName(p));
  const { changed, missing, moved, added, unchanged } = report;
  reporter.say(`audit: ${added.length} new, ${missing.length} missing, ${changed.length} changed, ${moved.length} moved, ${unchanged} unchanged`);
  if (unreadable.size > 0) return 2;
  return changed.length + missing.length + moved.length + added.length > 0 ? 1 : 0;
}
