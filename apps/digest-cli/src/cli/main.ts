/**
 * The one place that turns a command line into a run and typed errors into messages and exit
 * codes. Exit codes: 0 ok; 1 a file could not be read, a check failed, --audit found changes,
 * the fleet failed the run (--backend bullmq: no worker, Redis away), or stdout could not be written (`write error: No space left on device`);
 * 2 usage error or unusable manifest/backend; 130 SIGINT (143 SIGTERM); 141 stdout closed early.
 */
import { runAudit } from '../audit.js';
import { runCheck } from '../check.js';
import { digestTree, type RunOptions, type RunSink } from '../digest.js';
import { FleetError, InterruptedError, ManifestError, OutputClosedError, OutputWriteError, SetupError, UsageError } from '../errors.js';
import { ndjsonLine } from '../format/json.js';
import { writeSorted } from '../format/report.js';
import { DigestStore } from '../store.js';
import { stringToBytePath } from '../paths.js';
import { newRunStats, statsLine, type RunStats } from '../run-stats.js';
import { nowMs } from '../clock.js';
import { parseArgs, type CliOptions } from './args.js';
import { processIo, Reporter, type Io } from './io.js';
import { STDIN_OPERAND, StdinHasher } from './stdin.js';

/** The exit codes (see the module comment and the README). */
export const EXIT = { ok: 0, failed: 1, usage: 2, interrupted: 130, terminated: 143, outputClosed: 141 } as const;

/**
 * Runs digest-tree with `argv` (without node and script) and resolves with the exit code. It
 * never throws and never calls process.exit, so tests can run it in-process with their own `io`.
 */
export async function main(argv: string[], io: Io = processIo()): Promise<number> {
  const reporter = new Reporter(io);
  try {
    const parsed = parseArgs(argv, (text) => io.out.write(text, 'utf8'));
    const code = parsed.kind === 'exit' ? EXIT.ok : await runMode(parsed.options, io, reporter);
    io.out.flush();
    return code;
  } catch (error) {
    return exitCodeFor(error, reporter);
  } finally {
    reporter.progress?.stop();
  }
}

function exitCodeFor(error: unknown, reporter: Reporter): number {
  reporter.progress?.stop();
  reporter.progress = null;
  if (error instanceof UsageError) {
    reporter.sayText(`${error.message}\nTry 'digest-tree --help' for more information.`);
    return EXIT.usage;
  }
  if (error instanceof SetupError) {
    reporter.sayText(error.message);
    return EXIT.usage;
  }
  if (error instanceof FleetError) {
    reporter.sayText(error.message); // --backend bullmq: no worker, Redis away (fleet.ts)
    return EXIT.failed;
  }
  if (error instanceof OutputClosedError) return EXIT.outputClosed; // the reader left: say nothing
  if (error instanceof OutputWriteError) {
    reporter.sayText(`write error: ${error.message}`); // as coreutils: one line, exit 1
    return EXIT.failed;
  }
  if (error instanceof InterruptedError) return error.signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
  reporter.sayText(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return EXIT.usage;
}

function runOptionsOf(options: CliOptions, io: Io, sizes: boolean, reporter: Reporter, stats?: RunStats): RunOptions {
  return {
    cache: options.cache === null ? undefined : { file: options.cache, warn: (message) => reporter.sayText(message) },
    stats,
    sizes,
    backend: options.backend,
    fleet: options.fleet ?? undefined,
    jobs: options.jobs,
    inlineMs: inlineMsFromEnv(process.env.DIGEST_TREE_INLINE_MS),
    hasher: options.hasher,
    follow: options.follow,
    exclude: options.exclude,
    signal: io.signal,
  };
}

/**
 * `DIGEST_TREE_INLINE_MS`: how long the main thread hashes before a pool is started (inline.ts;
 * 0: start it at once). For tests, which must cover both paths on small trees, and for tuning.
 * @throws UsageError for anything but a number >= 0.
 */
export function inlineMsFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !Number.isFinite(ms)) throw new UsageError(`DIGEST_TREE_INLINE_MS must be a number of milliseconds >= 0, got '${value}'`);
  return ms;
}

async function runMode(options: CliOptions, io: Io, reporter: Reporter): Promise<number> {
  const started = nowMs();
  const stats = options.stats ? newRunStats() : undefined;
  const code = await runModeWith(options, io, reporter, stats);
  // After the report (and its write errors): the line describes a run that completed.
  if (stats) reporter.say(statsLine(stats, (nowMs() - started) / 1000));
  return code;
}

async function runModeWith(options: CliOptions, io: Io, reporter: Reporter, stats?: RunStats): Promise<number> {
  if (options.mode === 'check') return runChecks(options, io, reporter, stats);
  const run = runOptionsOf(options, io, await startProgress(options, io, reporter), reporter, stats);
  if (options.mode === 'audit') return runAudit(options, run, io, reporter);
  return runDigest(options, run, io, reporter);
}

/** Shows progress if wanted; true when it is shown (the run then looks up sizes). */
async function startProgress(options: CliOptions, io: Io, reporter: Reporter): Promise<boolean> {
  if (options.progress === false || options.status) return false;
  if (options.progress === undefined && io.progressMayBeTTY?.() === false) return false;
  const stream = io.progressStream;
  const wanted = options.progress ?? Boolean(stream?.isTTY);
  if (wanted && stream) {
    const { createProgress } = await import('../progress.js'); // cli-progress only when shown
    // --check hashes the listed files without looking their sizes up: its percentage is of files.
    reporter.progress = createProgress(stream, options.progress === true, options.mode !== 'check');
  }
  return reporter.progress !== null;
}

/**
 * `-c [FILE...]`: each manifest in turn, with its own report, as `sha512sum -c a b` does. One
 * that cannot be read is reported and the others still run; the exit status is the worst one.
 */
async function runChecks(options: CliOptions, io: Io, reporter: Reporter, stats?: RunStats): Promise<number> {
  let code: number = EXIT.ok;
  for (const manifest of options.manifests) {
    const run = runOptionsOf(options, io, await startProgress(options, io, reporter), reporter, stats);
    try {
      code = Math.max(code, await runCheck({ ...options, manifest }, run, io, reporter));
      io.out.flush(); // this manifest's lines before the next one's messages
    } catch (error) {
      if (!(error instanceof ManifestError)) throw error;
      reporter.progress?.stop();
      reporter.progress = null;
      reporter.sayText(error.message);
      code = EXIT.usage;
    }
  }
  return code;
}

async function runDigest(options: CliOptions, run: RunOptions, io: Io, reporter: Reporter): Promise<number> {
  const store = new DigestStore();
  let failed = false;
  const streamed = options.format === 'ndjson';
  const sink: RunSink = {
    file: streamed
      ? (path, digests, offset) => io.out.write(ndjsonLine(path, Buffer.from(digests.buffer, digests.byteOffset + offset, 64).toString('hex')), 'utf8')
      : (path, digests, offset) => store.add(path, digests, offset),
    packedFiles: streamed ? undefined : (paths, from, to, digests) => store.addPackedRange(paths, from, to, digests),
    issue: (issue) => {
      if (issue.severity === 'error') failed = true;
      reporter.issue(issue);
    },
    progress: (counts) => reporter.progress?.update(counts),
  };
  // `-` is stdin, hashed before the tree rather than alongside: one stream gains little from
  // overlapping, and a read left pending (a terminal) would have to be cancelled on every error.
  const stdin = new StdinHasher(() => io.stdinStream(), io.signal);
  for (const path of options.paths) {
    if (path !== STDIN_OPERAND) continue;
    const result = await stdin.digest();
    if (result.kind === 'digest') {
      sink.file(STDIN_OPERAND, result.digest, 0);
      if (run.stats) Object.assign(run.stats, { files: run.stats.files + 1, bytes: run.stats.bytes + result.bytes, hashed: run.stats.hashed + 1 });
    }
    else sink.issue(result.issue);
  }
  const trees = options.paths.filter((path) => path !== STDIN_OPERAND);
  if (trees.length > 0) await digestTree(trees.map(stringToBytePath), run, sink);
  reporter.progress?.stop();
  reporter.progress = null;
  if (!streamed) writeSorted(store, options.format, io.out);
  return failed ? EXIT.failed : EXIT.ok;
}
