/**
 * The argument table (commander). Parsing only: it returns typed options or throws UsageError;
 * running and error reporting are main.ts's job.
 *
 * A command line of operands only (no argument starts with `-`: `digest-tree photos`) is read
 * without loading commander, which costs more to load (~10 ms) than a small run takes to hash:
 * such a line means the defaults and the operands, and it goes through the same
 * {@link validate} as commander's result (a test checks that both agree).
 */
import pkg from '../../package.json' with { type: 'json' };
import { UsageError } from '../errors.js';
import type { Format } from '../format/report.js';
import type { HasherName } from '../batch.js';
import type { Backend } from '../pool.js';
import type { FleetOptions } from '../fleet.js';
import { fleetOptionsOf, positiveSeconds, type FleetRaw } from './fleet-args.js';
import { commander, orderedCommand, type OrderedCommand } from './ordered-command.js';

/** What to do. */
export type Mode = 'digest' | 'check' | 'audit';

/** The parsed command line. */
export interface CliOptions {
  mode: Mode;
  /** Operands (default `.`; `-` is stdin); empty for --check, and for --audit without PATH (the manifest says). */
  paths: string[];
  format: Format;
  /** The manifest of --audit, or of the one --check run at hand (`-` is stdin). */
  manifest: string | null;
  /** --check: the manifests, in order (`-c [FILE...]`; none means stdin). */
  manifests: string[];
  /** --check verbosity; the last of --quiet, --status and --warn wins, as in coreutils. */
  quiet: boolean;
  status: boolean;
  warn: boolean;
  /** --check: improperly formatted lines make the exit status 1. */
  strict: boolean;
  /** --check: a listed file that does not exist is neither reported nor a failure. */
  ignoreMissing: boolean;
  exclude: string[];
  follow: boolean;
  jobs: number | undefined;
  backend: Backend;
  /** --backend bullmq: where the fleet is (fleet-args.ts); null otherwise. */
  fleet: FleetOptions | null;
  hasher: HasherName;
  /** undefined: when stderr is a terminal. */
  progress: boolean | undefined;
  /** --cache FILE: reuse digests of unchanged files (not with --check). */
  cache: string | null;
  /** --stats: one line of counts on stderr at the end. */
  stats: boolean;
}

/** Either options to run with, or `exit` after --help / --version printed. */
export type Parsed = { kind: 'run'; options: CliOptions } | { kind: 'exit' };

const USAGE = `[options] [PATH...]
       digest-tree -c [options] [FILE...]`;

const EPILOG = `
PATH - is standard input (name it ./- for a file called -). With -c, the FILE operands are
manifests (- or none: standard input), checked in turn, as sha512sum -c does.

Output is sorted by path (bytewise) and identical whatever the backend, worker count or timing,
except --ndjson, which streams one object per file as results arrive (unordered).
Formats: default GNU (sha512sum), --tag BSD, --json one object {path: hex}, --ndjson one object
per line {"path", "sha512"}. JSON paths that are not UTF-8 use surrogateescape (\\udc80-\\udcff),
and NDJSON adds "pathBase64" with the exact bytes.

--exclude patterns match bytes, as git does: ? and [...] stand for one byte (é is two in UTF-8).

--cache FILE keeps each file's device, inode, size, mtime and ctime (nanoseconds) with its
digest, and reuses the digest when all five are unchanged and the times are older than the
previous run's start minus 2 s; the file is replaced atomically at the end and holds the files
of this run only. It trusts metadata: a file whose bytes changed without its metadata changing
(bit rot, a tool that restores times and ctime) keeps its old digest; only a run without
--cache, or --check, reads every byte again. --check never uses a cache. A missing or unusable
cache is one warning and a full run. --audit --cache FILE uses it for the tree's side.
--stats prints "digest-tree: stats: F files, B bytes, H hashed, R reused, S.SS s" on stderr at
the end (F = H + R files digested, B their bytes).

Exit status: 0 success; 1 a file or directory could not be read, a check failed, --audit found
changes, or stdout could not be written (write error); 2 usage error or unusable manifest;
130 interrupted; 141 stdout closed early.`;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new (commander().InvalidArgumentError)('must be an integer >= 1');
  return n;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function buildProgram(): OrderedCommand {
  const { Option } = commander();
  return orderedCommand('digest-tree')
    .description('SHA-512 digest of every regular file under PATH (default: the current directory), hashed on a worker pool.')
    .usage(USAGE)
    .argument('[PATH...]', 'files or directories to hash; with -c, the manifests to verify')
    .addOption(new Option('--tag', 'BSD-style lines: SHA512 (path) = hex').conflicts(['json', 'ndjson']))
    .addOption(new Option('--json', 'one JSON object mapping path to hex digest').conflicts(['ndjson']))
    .addOption(new Option('--ndjson', 'one JSON object per file, streamed (unordered)'))
    // An optional value, not a required one: `-c --quiet FILE` must not take --quiet as the
    // manifest. A value (`-c FILE`, `--check=FILE`) is a manifest in its place among the operands.
    .addOption(new Option('-c, --check [FILE]', 'verify the digests listed in the FILE operands (GNU or BSD lines; - or none: stdin)').conflicts(['tag', 'json', 'ndjson', 'audit']))
    .option('--ignore-missing', "with --check: don't fail or report status for missing files")
    .option('--quiet', "with --check: don't print OK for each verified file")
    .option('--status', "with --check: don't output anything, the exit status tells")
    .option('--strict', 'with --check: exit non-zero for improperly formatted checksum lines')
    .option('-w, --warn', 'with --check: warn about improperly formatted checksum lines')
    .option('--audit <FILE>', 'compare the tree (the PATH operands; none: the paths FILE names) with manifest FILE: new, missing, changed and moved files')
    .option('--exclude <PATTERN>', 'leave out paths matching a gitignore-style pattern (repeatable)', collect, [])
    .option('-L, --follow', 'follow symbolic links (loops are detected and not followed)')
    .option('-j, --jobs <N>', 'number of workers (default: number of CPUs); bullmq: jobs in flight on the fleet (default: twice the CPUs)', positiveInt)
    .addOption(new Option('--backend <KIND>', 'worker kind: threads, procs, or bullmq (the mpool-workers of --queue)').choices(['threads', 'procs', 'bullmq']).default('threads'))
    .option('--redis <URL>', "with --backend bullmq: the fleet's Redis, redis://[user:password@]host:port[/db] (env MPOOL_REDIS_URL)")
    .option('--queue <NAME>', 'with --backend bullmq: the queue its mpool-workers serve (env MPOOL_QUEUE)')
    .option('--wait-for-workers <SECONDS>', 'with --backend bullmq: fail (exit 1) once no mpool-worker has served the queue for SECONDS (default 30)', positiveSeconds)
    .addOption(new Option('--hasher <KIND>', 'SHA-512 implementation: auto (native if available), native or node').choices(['auto', 'native', 'node']).default('auto'))
    .option('--cache <FILE>', 'reuse the digests of files unchanged since the last run with this cache FILE (trusts metadata; see below), then rewrite it')
    .option('--stats', 'print one line of counts (files, bytes, hashed, reused, seconds) on stderr at the end')
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .version(pkg.version, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', EPILOG)
    .showSuggestionAfterError(true)
    .exitOverride();
}

interface Raw extends FleetRaw {
  tag?: boolean;
  json?: boolean;
  ndjson?: boolean;
  check?: string | true;
  ignoreMissing?: boolean;
  strict?: boolean;
  audit?: string;
  exclude: string[];
  follow?: boolean;
  jobs?: number;
  backend: Backend;
  hasher: HasherName;
  progress?: boolean;
  cache?: string;
  stats?: boolean;
}

/** What commander's opts() hold when no option is given: the defaults of the table above. */
const NO_OPTIONS: Raw = { exclude: [], backend: 'threads', hasher: 'auto' };

/**
 * Parses `argv` (without node and script). Help and version text go to `writeOut`.
 * @throws UsageError for anything commander or our own checks reject.
 */
export function parseArgs(argv: string[], writeOut: (text: string) => void): Parsed {
  // Operands only: commander would see no option and take every argument as an operand.
  if (argv.every((arg) => !arg.startsWith('-'))) return { kind: 'run', options: validate({ ...NO_OPTIONS, exclude: [] }, argv, null, []) };
  return parseWithCommander(argv, writeOut);
}

/** {@link parseArgs} through commander, whatever `argv` holds (exported for the test of the fast path). */
export function parseWithCommander(argv: string[], writeOut: (text: string) => void): Parsed {
  const program = buildProgram().configureOutput({ writeOut, writeErr: writeOut, outputError: () => undefined });
  // --quiet, --status and --warn cancel each other, the last one given wins (coreutils' rule):
  // commander keeps each flag on its own, so their order is taken from its events.
  let verbosity: Verbosity | null = null;
  for (const flag of ['quiet', 'status', 'warn'] as const) program.on(`option:${flag}`, () => (verbosity = flag));
  // `-c FILE`: FILE is a manifest like the operands, in command-line order (`x -c a`: x, then a).
  const checkValues: Array<{ file: string; at: number }> = [];
  program.on('option:check', (value: string | null) => {
    if (typeof value === 'string') checkValues.push({ file: value, at: program.operandsSeen });
  });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof commander().CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return { kind: 'exit' };
    throw new UsageError(error.message.replace(/^error: /, ''));
  }
  return { kind: 'run', options: validate(program.opts<Raw>(), program.args, verbosity, checkValues) };
}

/** The operands with each `-c FILE` value put back where it was given. */
function inOrder(operands: string[], values: Array<{ file: string; at: number }>): string[] {
  const out: string[] = [];
  let v = 0;
  operands.forEach((operand, i) => {
    while (v < values.length && values[v]!.at <= i) out.push(values[v++]!.file);
    out.push(operand);
  });
  while (v < values.length) out.push(values[v++]!.file);
  return out;
}

type Verbosity = 'quiet' | 'status' | 'warn';

/** The options that mean something only with --check, by the name coreutils' message uses. */
const CHECK_ONLY: Array<[keyof Raw, string]> = [
  ['ignoreMissing', '--ignore-missing'],
  ['strict', '--strict'],
];

function validate(raw: Raw, operands: string[], verbosity: Verbosity | null, checkValues: Array<{ file: string; at: number }>): CliOptions {
  const mode: Mode = raw.check !== undefined ? 'check' : raw.audit !== undefined ? 'audit' : 'digest';
  if (mode !== 'check') {
    const given = verbosity !== null ? `--${verbosity}` : CHECK_ONLY.find(([key]) => raw[key])?.[1];
    if (given) throw new UsageError(`the ${given} option is meaningful only when verifying checksums`);
  }
  if (mode === 'check' && (raw.exclude.length > 0 || raw.follow)) throw new UsageError('--exclude and --follow do not apply with --check');
  // --check exists to read the bytes again: a cache would defeat it.
  if (mode === 'check' && raw.cache !== undefined) throw new UsageError('--cache cannot be used with --check');
  if (raw.cache === '') throw new UsageError("--cache: the file name '' is not valid");
  if (mode === 'audit' && (raw.tag || raw.json || raw.ndjson)) throw new UsageError('--audit has its own report format');
  if (mode === 'audit' && operands.includes('-')) throw new UsageError('--audit compares directory trees: - (standard input) is not one');
  const format: Format = raw.tag ? 'bsd' : raw.json ? 'json' : raw.ndjson ? 'ndjson' : 'gnu';
  const manifests = inOrder(operands, checkValues);
  return {
    mode,
    paths: mode === 'check' ? [] : mode === 'audit' || operands.length > 0 ? operands : ['.'],
    format,
    manifest: mode === 'audit' ? raw.audit! : null,
    manifests: mode !== 'check' ? [] : manifests.length > 0 ? manifests : ['-'],
    quiet: verbosity === 'quiet',
    status: verbosity === 'status',
    warn: verbosity === 'warn',
    strict: raw.strict ?? false,
    ignoreMissing: raw.ignoreMissing ?? false,
    exclude: raw.exclude,
    follow: raw.follow ?? false,
    jobs: raw.jobs,
    backend: raw.backend,
    fleet: fleetOptionsOf(raw.backend, raw),
    hasher: raw.hasher,
    progress: raw.progress,
    cache: raw.cache ?? null,
    stats: raw.stats ?? false,
  };
}
