/**
 * `--check FILE`: verify a manifest (GNU or BSD lines, detected per line) the way
 * `sha512sum -c` does: `path: OK`, `path: FAILED`, `path: FAILED open or read`, a WARNING
 * summary on stderr, exit 1 on any failure; --quiet drops the OK lines, --status prints nothing,
 * --warn names each improperly formatted line, --strict makes such lines a failure, and
 * --ignore-missing skips listed files that do not exist (but fails if none was verified).
 */
import { readFileSync } from 'node:fs';
import type { CliOptions } from './cli/args.js';
import type { Io, Reporter } from './cli/io.js';
import { digestFiles, type RunOptions } from './digest.js';
import { ManifestError, issueFromError, type Issue } from './errors.js';
import { escapeName, parseLine, type ManifestEntry } from './format/lines.js';
import { stringToBytePath, type BytePath } from './paths.js';

/** A parsed manifest: its valid entries and how many lines were not checksum lines. */
export interface Manifest {
  entries: ManifestEntry[];
  badLines: number;
  /** 1-based numbers of the lines counted in `badLines` (for --warn). */
  badLineNumbers: number[];
}

/**
 * A manifest's name in messages, as a byte string (what Reporter.say takes): stdin is
 * `'standard input'`, as coreutils calls it.
 */
export const manifestName = (file: string): BytePath => (file === '-' ? "'standard input'" : stringToBytePath(file));

/**
 * Reads and parses a manifest (`-` is stdin). Lines are byte strings, so names keep their bytes.
 * @throws ManifestError when it cannot be read.
 */
export function readManifest(file: string, io: Io): Manifest {
  let data: Buffer;
  try {
    data = file === '-' ? io.readStdin() : readFileSync(Buffer.from(stringToBytePath(file), 'latin1'));
  } catch (error) {
    throw new ManifestError(`${file}: ${issueFromError(stringToBytePath(file), error).message}`);
  }
  const lines = data.toString('latin1').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const entries: ManifestEntry[] = [];
  const badLineNumbers: number[] = [];
  lines.forEach((line, i) => {
    const entry = parseLine(line);
    if (entry) entries.push(entry);
    else badLineNumbers.push(i + 1);
  });
  return { entries, badLines: badLineNumbers.length, badLineNumbers };
}

/** A name in a check report line; like sha512sum -c, only a newline forces the escaped form. */
export function displayName(path: BytePath): string {
  if (!path.includes('\n')) return path;
  return `\\${escapeName(path).text}`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Runs --check; resolves with the exit code. */
export async function runCheck(options: CliOptions, run: RunOptions, io: Io, reporter: Reporter): Promise<number> {
  const manifest = readManifest(options.manifest!, io);
  const name = manifestName(options.manifest!);
  if (options.warn) for (const n of manifest.badLineNumbers) reporter.say(`${name}: ${n}: improperly formatted SHA512 checksum line`);
  if (manifest.entries.length === 0) {
    if (!options.status) reporter.say(`${name}: no properly formatted checksum lines found`);
    return 1;
  }
  const digests = new Map<BytePath, string>();
  const problems = new Map<BytePath, Issue>();
  const unique = [...new Set(manifest.entries.map((e) => e.path))];
  await digestFiles(unique, run, {
    file: (path, bytes, offset) => digests.set(path, Buffer.from(bytes.buffer, bytes.byteOffset + offset, 64).toString('hex')),
    issue: (issue) => problems.set(issue.path, issue),
    progress: (counts) => reporter.progress?.update(counts),
  });
  reporter.progress?.stop();
  reporter.progress = null;
  let mismatched = 0;
  let unreadable = 0;
  let matched = 0;
  for (const { path, hex } of manifest.entries) {
    const actual = digests.get(path);
    const problem = problems.get(path);
    let verdict: string;
    if (actual === undefined && options.ignoreMissing && problem?.code === 'ENOENT') continue;
    if (actual === undefined) {
      unreadable++;
      if (!options.status && problem) reporter.issue(problem);
      verdict = 'FAILED open or read';
    } else if (actual !== hex) {
      mismatched++;
      verdict = 'FAILED';
    } else {
      matched++;
      verdict = 'OK';
    }
    if (!options.status && !(options.quiet && verdict === 'OK')) io.out.write(`${displayName(path)}: ${verdict}\n`, 'latin1');
  }
  io.out.flush(); // the verdicts before the summary, as on a terminal with sha512sum
  if (!options.status) {
    if (manifest.badLines > 0) reporter.say(`WARNING: ${plural(manifest.badLines, 'line is', 'lines are')} improperly formatted`);
    if (unreadable > 0) reporter.say(`WARNING: ${plural(unreadable, 'listed file', 'listed files')} could not be read`);
    if (mismatched > 0) reporter.say(`WARNING: ${plural(mismatched, 'computed checksum', 'computed checksums')} did NOT match`);
    if (options.ignoreMissing && matched === 0) reporter.say(`${name}: no file was verified`);
  }
  const strictFailure = options.strict && manifest.badLines > 0;
  return mismatched > 0 || unreadable > 0 || matched === 0 || strictFailure ? 1 : 0;
}
