/**
 * The one place that turns a command line into a run and typed errors into messages and exit
 * codes. Exit codes: 0 ok; 1 a file could not be read, a check failed, or --audit found changes;
 * 2 usage error or unusable manifest/backend; 130 SIGINT (143 SIGTERM); 141 stdout closed early.
 */
import { runAudit } from '../audit.js';
import { runCheck } from '../check.js';
import { digestTree, type RunOptions, type RunSink } from '../digest.js';
import { InterruptedError, OutputClosedError, SetupError, UsageError } from '../errors.js';
import { ndjsonLine } from '../format/json.js';
import { writeSorted } from '../format/report.js';
import { DigestStore } from '../store.js';
import { stringToBytePath } from '../paths.js';
import { parseArgs, type CliOptions } from './args.js';
import { processIo, Reporter, type Io } from './io.js';

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
    reporter.say(`${error.message}\nTry 'digest-tree --help' for more information.`);
    return EXIT.usage;
  }
  if (error instanceof SetupError) {
    reporter.say(error.message);
    return EXIT.usage;
  }
  if (error instanceof OutputClosedError) return EXIT.outputClosed; // the reader left: say nothing
  if (error instanceof InterruptedError) return error.signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
  reporter.say(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return EXIT.usage;
}

function runOptionsOf(options: CliOptions, io: Io, sizes: boolean): RunOptions {
  return {
    sizes,
    backend: options.backend,
    jobs: options.jobs,
    hasher: options.hasher,
    follow: options.follow,
    exclude: options.exclude,
    signal: io.signal,
  };
}

async function runMode(options: CliOptions, io: Io, reporter: Reporter): Promise<number> {
  const stream = io.progressStream;
  const wanted = options.progress ?? Boolean(stream?.isTTY);
  if (wanted && stream && !options.status) {
    const { createProgress } = await import('../progress.js'); // cli-progress only when shown
    reporter.progress = createProgress(stream, options.progress === true);
  }
  const run = runOptionsOf(options, io, reporter.progress !== null);
  if (options.mode === 'check') return runCheck(options, run, io, reporter);
  if (options.mode === 'audit') return runAudit(options, run, io, reporter);
  return runDigest(options, run, io, reporter);
}

async function runDigest(options: CliOptions, run: RunOptions, io: Io, reporter: Reporter): Promise<number> {
  const store = new DigestStore();
  let failed = false;
  const streamed = options.format === 'ndjson';
  const sink: RunSink = {
    file: streamed
      ? (path, digests, offset) => io.out.write(ndjsonLine(path, Buffer.from(digests.buffer, digests.byteOffset + offset, 64).toString('hex')), 'utf8')
      : (path, digests, offset) => store.add(path, digests, offset),
    packedFile: streamed ? undefined : (paths, i, digests, offset) => store.addPacked(paths, i, digests, offset),
    issue: (issue) => {
      if (issue.severity === 'error') failed = true;
      reporter.issue(issue);
    },
    progress: (counts) => reporter.progress?.update(counts),
  };
  await digestTree(options.paths.map(stringToBytePath), run, sink);
  reporter.progress?.stop();
  reporter.progress = null;
  if (!streamed) writeSorted(store, options.format, io.out);
  return failed ? EXIT.failed : EXIT.ok;
}
