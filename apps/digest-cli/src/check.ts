/**
 * `--check FILE`: verify a manifest (GNU or BSD lines, detected per line) the way
 * `sha512sum -c` does: `path: OK`, `path: FAILED`, `path: FAILED open or read`, a WARNING
 * summary on stderr, exit 1 on any failure; --quiet drops the OK lines, --status prints nothing,
 * --warn names each improperly formatted line, --strict makes such lines a failure, and
 * --ignore-missing skips listed files that do not exist (but fails if none was verified).
 *
 * It streams, as sha512sum does: the manifest is read while the files it names are hashed,
 * at most {@link WINDOW} lines ahead of the last line reported, and lines are reported in
 * manifest order (--warn messages too, among the files' messages). Memory does not grow with
 * the manifest.
 */
import type { CliOptions } from './cli/args.js';
import type { Io, Reporter } from './cli/io.js';
import { digestStream, type RunOptions } from './digest.js';
import type { Issue } from './errors.js';
import { escapeName, type ManifestEntry } from './format/lines.js';
import { classifyLine, manifestName, openManifest } from './manifest.js';
import type { BytePath } from './paths.js';

export { manifestLabel, manifestName } from './manifest.js';

/** Lines read ahead of the oldest line not yet reported (bounds memory; keeps workers busy). */
export const WINDOW = 4096;

/** A name in a check report line; like sha512sum -c, only a newline forces the escaped form. */
export function displayName(path: BytePath): string {
  if (!path.includes('\n')) return path;
  return `\\${escapeName(path).text}`;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The result for a path: its hex digest, or why it could not be hashed. */
type Outcome = string | Issue;

/** A manifest line waiting to be reported: a checksum line, or the number of an improperly formatted one (--warn). */
type Waiting = ManifestEntry | number;

/** What the window reports, in manifest order. */
interface WindowReport {
  entry(entry: ManifestEntry, outcome: Outcome): void;
  /** An improperly formatted line (only queued under --warn). */
  bad(lineNumber: number): void;
}

/**
 * Manifest lines waiting for their file's digest, in manifest order. A path listed several
 * times within the window is hashed once. Improperly formatted lines wait their turn too, so
 * that --warn names them where sha512sum does: between the messages of the lines around them.
 */
class CheckWindow {
  readonly #queue: Waiting[] = [];
  #head = 0;
  /** path -> [lines of it waiting, outcome once known] */
  readonly #pending = new Map<BytePath, { waiting: number; outcome?: Outcome }>();
  #space: (() => void) | null = null;

  constructor(private readonly report: WindowReport) {}

  get full(): boolean {
    return this.#queue.length - this.#head >= WINDOW;
  }

  /** Adds a line; true when its path must be hashed (not already waiting). */
  push(entry: ManifestEntry): boolean {
    this.#queue.push(entry);
    const known = this.#pending.get(entry.path);
    if (known) known.waiting++;
    else this.#pending.set(entry.path, { waiting: 1 });
    return known === undefined;
  }

  /** Adds an improperly formatted line: reported now if nothing before it is waiting. */
  pushBad(lineNumber: number): void {
    if (this.unreported === 0) this.report.bad(lineNumber);
    else this.#queue.push(lineNumber);
  }

  /** Resolves when the window has room again. */
  space(): Promise<void> {
    return new Promise((resolve) => (this.#space = resolve));
  }

  /** A path's outcome arrived: report every line now at the head that has one. */
  settle(path: BytePath, outcome: Outcome): void {
    const slot = this.#pending.get(path);
    if (slot === undefined || slot.outcome !== undefined) return;
    slot.outcome = outcome;
    while (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head]!;
      if (typeof item === 'number') {
        this.#head++;
        this.report.bad(item);
        continue;
      }
      const head = this.#pending.get(item.path)!;
      if (head.outcome === undefined) break;
      this.#head++;
      if (--head.waiting === 0) this.#pending.delete(item.path);
      this.report.entry(item, head.outcome);
    }
    // Drop reported lines now and then (amortised O(1) per line).
    if (this.#head > WINDOW && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (!this.full && this.#space) {
      const wake = this.#space;
      this.#space = null;
      wake();
    }
  }

  get unreported(): number {
    return this.#queue.length - this.#head;
  }
}

/** Runs --check on one manifest (`options.manifest`); resolves with the exit code. */
export async function runCheck(options: CliOptions, run: RunOptions, io: Io, reporter: Reporter): Promise<number> {
  const source = openManifest(options.manifest!, io);
  const name = manifestName(options.manifest!);
  let entries = 0;
  let badLines = 0;
  let mismatched = 0;
  let unreadable = 0;
  let matched = 0;
  const window = new CheckWindow({
    entry: (entry, outcome) => {
      let verdict: string;
      if (typeof outcome !== 'string') {
        // --ignore-missing: a file that does not exist is left out silently (anything else fails).
        if (options.ignoreMissing && outcome.code === 'ENOENT') return;
        unreadable++;
        if (!options.status) reporter.issue(outcome);
        verdict = 'FAILED open or read';
      } else if (outcome !== entry.hex) {
        mismatched++;
        verdict = 'FAILED';
      } else {
        matched++;
        verdict = 'OK';
      }
      if (!options.status && !(options.quiet && verdict === 'OK')) io.out.write(`${displayName(entry.path)}: ${verdict}\n`, 'latin1');
    },
    bad: (lineNumber) => reporter.say(`${name}: ${lineNumber}: improperly formatted SHA512 checksum line`),
  });
  async function* toHash(): AsyncGenerator<BytePath> {
    let lineNumber = 0;
    for await (const line of source.lines()) {
      lineNumber++;
      const parsed = classifyLine(line);
      if (parsed.kind === 'bad') {
        badLines++;
        if (options.warn) window.pushBad(lineNumber);
      }
      if (parsed.kind !== 'entry') continue;
      entries++;
      if (window.push(parsed.entry)) yield parsed.entry.path;
      if (window.full) await window.space();
    }
  }
  try {
    await digestStream(toHash(), run, {
      file: (path, bytes, offset) => window.settle(path, Buffer.from(bytes.buffer, bytes.byteOffset + offset, 64).toString('hex')),
      issue: (issue) => window.settle(issue.path, issue),
      progress: (counts) => reporter.progress?.update(counts),
    });
  } finally {
    source.close();
  }
  reporter.progress?.stop();
  reporter.progress = null;
  if (window.unreported > 0) throw new Error(`--check: ${window.unreported} lines left without a result`);
  // As coreutils 9.1: said even with --status, since it means the manifest is not one.
  if (entries === 0) {
    reporter.say(`${name}: no properly formatted checksum lines found`);
    return 1;
  }
  io.out.flush(); // the verdicts before the summary, as on a terminal with sha512sum
  if (!options.status) {
    if (badLines > 0) reporter.say(`WARNING: ${plural(badLines, 'line is', 'lines are')} improperly formatted`);
    if (unreadable > 0) reporter.say(`WARNING: ${plural(unreadable, 'listed file', 'listed files')} could not be read`);
    if (mismatched > 0) reporter.say(`WARNING: ${plural(mismatched, 'computed checksum', 'computed checksums')} did NOT match`);
    if (options.ignoreMissing && matched === 0) reporter.say(`${name}: no file was verified`);
  }
  const strictFailure = options.strict && badLines > 0;
  return mismatched > 0 || unreadable > 0 || matched === 0 || strictFailure ? 1 : 0;
}
