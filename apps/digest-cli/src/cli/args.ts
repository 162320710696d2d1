/**
 * The argument table (commander). Parsing only: it returns typed options or throws UsageError;
 * running and error reporting are main.ts's job.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { UsageError } from '../errors.js';
import type { Format } from '../format/report.js';
import type { HasherName } from '../batch.js';
import type { Backend } from '../pool.js';

/** What to do. */
export type Mode = 'digest' | 'check' | 'audit';

/** The parsed command line. */
export interface CliOptions {
  mode: Mode;
  /** Operands (default `.`); empty for --check, and for --audit without PATH (the manifest says). */
  paths: string[];
  format: Format;
  /** The manifest of --check / --audit (`-` is stdin). */
  manifest: string | null;
  quiet: boolean;
  status: boolean;
  exclude: string[];
  follow: boolean;
  jobs: number | undefined;
  backend: Backend;
  hasher: HasherName;
  /** undefined: when stderr is a terminal. */
  progress: boolean | undefined;
}

/** Either options to run with, or `exit` after --help / --version printed. */
export type Parsed = { kind: 'run'; options: CliOptions } | { kind: 'exit' };

const EPILOG = `
Output is sorted by path (bytewise) and identical whatever the backend, worker count or timing,
except --ndjson, which streams one object per file as results arrive (unordered).
Formats: default GNU (sha512sum), --tag BSD, --json one object {path: hex}, --ndjson one object
per line {"path", "sha512"}. JSON paths that are not UTF-8 use surrogateescape (\\udc80-\\udcff),
and NDJSON adds "pathBase64" with the exact bytes.

Exit status: 0 success; 1 a file or directory could not be read, a check failed, or --audit
found changes; 2 usage error or unusable manifest; 130 interrupted; 141 stdout closed early.`;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('must be an integer >= 1');
  return n;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function buildProgram(): Command {
  return new Command('digest-tree')
    .description('SHA-512 digest of every regular file under PATH (default: the current directory), hashed on a worker pool.')
    .argument('[PATH...]', 'files or directories to hash')
    .addOption(new Option('--tag', 'BSD-style lines: SHA512 (path) = hex').conflicts(['json', 'ndjson']))
    .addOption(new Option('--json', 'one JSON object mapping path to hex digest').conflicts(['ndjson']))
    .addOption(new Option('--ndjson', 'one JSON object per file, streamed (unordered)'))
    .addOption(new Option('-c, --check <FILE>', 'verify the digests listed in FILE (GNU or BSD format; - for stdin)').conflicts(['tag', 'json', 'ndjson', 'audit']))
    .option('--quiet', "with --check: don't print OK for each verified file")
    .option('--status', 'with --check: print nothing; the exit status tells')
    .option('--audit <FILE>', 'compare the tree with manifest FILE: new, missing, changed and moved files')
    .option('--exclude <PATTERN>', 'leave out paths matching a gitignore-style pattern (repeatable)', collect, [])
    .option('-L, --follow', 'follow symbolic links (loops are detected and not followed)')
    .option('-j, --jobs <N>', 'number of workers (default: number of CPUs)', positiveInt)
    .addOption(new Option('--backend <KIND>', 'worker kind').choices(['threads', 'procs']).default('threads'))
    .addOption(new Option('--hasher <KIND>', 'SHA-512 implementation: auto (native if available), native or node').choices(['auto', 'native', 'node']).default('auto'))
    .option('--progress', 'show progress on stderr even when it is not a terminal')
    .option('--no-progress', 'never show progress')
    .version(pkg.version, '-V, --version')
    .helpOption('-h, --help', 'show this help')
    .addHelpText('after', EPILOG)
    .showSuggestionAfterError(true)
    .exitOverride();
}

interface Raw {
  tag?: boolean;
  json?: boolean;
  ndjson?: boolean;
  check?: string;
  quiet?: boolean;
  status?: boolean;
  audit?: string;
  exclude: string[];
  follow?: boolean;
  jobs?: number;
  backend: Backend;
  hasher: HasherName;
  progress?: boolean;
}

/**
 * Parses `argv` (without node and script). Help and version text go to `writeOut`.
 * @throws UsageError for anything commander or our own checks reject.
 */
export function parseArgs(argv: string[], writeOut: (text: string) => void): Parsed {
  const program = buildProgram().configureOutput({ writeOut, writeErr: writeOut, outputError: () => undefined });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version') return { kind: 'exit' };
    throw new UsageError(error.message.replace(/^error: /, ''));
  }
  return { kind: 'run', options: validate(program.opts<Raw>(), program.args) };
}

function validate(raw: Raw, operands: string[]): CliOptions {
  const mode: Mode = raw.check !== undefined ? 'check' : raw.audit !== undefined ? 'audit' : 'digest';
  if (mode !== 'check' && (raw.quiet || raw.status)) throw new UsageError('--quiet and --status only apply with --check');
  if (mode === 'check' && operands.length > 0) throw new UsageError('--check takes no PATH operands (the paths come from the manifest)');
  if (mode === 'check' && (raw.exclude.length > 0 || raw.follow)) throw new UsageError('--exclude and --follow do not apply with --check');
  if (mode === 'audit' && (raw.tag || raw.json || raw.ndjson)) throw new UsageError('--audit has its own report format');
  const format: Format = raw.tag ? 'bsd' : raw.json ? 'json' : raw.ndjson ? 'ndjson' : 'gnu';
  return {
    mode,
    paths: mode !== 'digest' || operands.length > 0 ? operands : ['.'],
    format,
    manifest: raw.check ?? raw.audit ?? null,
    quiet: raw.quiet ?? false,
    status: raw.status ?? false,
    exclude: raw.exclude,
    follow: raw.follow ?? false,
    jobs: raw.jobs,
    backend: raw.backend,
    hasher: raw.hasher,
    progress: raw.progress,
  };
}
