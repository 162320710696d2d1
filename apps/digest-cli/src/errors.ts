/**
 * Typed errors and the wording of per-file problems. Only src/cli/main.ts turns errors into
 * messages and exit codes; everything else throws one of these or records an {@link Issue}.
 */
import type { BytePath } from './paths.js';

/** Bad command line or options (exit 2). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A manifest that cannot be used at all, or a backend/hasher that is not available (exit 2). */
export class SetupError extends Error {
  override readonly name: string = 'SetupError';
}

/** A manifest that cannot be read (exit 2); with several `--check` manifests the others still run. */
export class ManifestError extends SetupError {
  override readonly name = 'ManifestError';
}

/**
 * The fleet of `--backend bullmq` failed the run: no `mpool-worker` served the queue for the
 * no-worker timeout, Redis stayed unreachable or refused us, a job was given up (exit 1; see
 * fleet.ts). Nothing of a sorted report has been printed then.
 */
export class FleetError extends Error {
  override readonly name = 'FleetError';
}

/** Stdout was closed by the reader (`digest-tree | head -1`): stop quietly. */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
}

/**
 * Writing to stdout failed for a reason other than the reader leaving (`> /dev/full`: ENOSPC; a
 * full quota; EIO). Exit 1 with one line, `write error: No space left on device`, as coreutils.
 */
export class OutputWriteError extends Error {
  override readonly name = 'OutputWriteError';
  /** errno name (`ENOSPC`). */
  readonly code: string;
  constructor(cause: unknown) {
    const code = (cause as NodeJS.ErrnoException | null)?.code ?? 'EUNKNOWN';
    super(describeError(cause), { cause });
    this.code = code;
  }
}

/** The run was interrupted by SIGINT / SIGTERM (exit 128 + signal number). */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
  constructor(readonly signal: 'SIGINT' | 'SIGTERM') {
    super(`interrupted by ${signal}`);
  }
}

/**
 * A problem with one path. `error` ones make the exit code 1 (a file could not be read, a
 * directory could not be listed); `note` ones are reported but expected (a FIFO skipped, a
 * symlink loop not followed).
 */
export interface Issue {
  severity: 'error' | 'note';
  path: BytePath;
  /** errno name (`ENOENT`) or one of ours (`ESPECIAL`, `ELOOPDIR`). */
  code: string;
  /** Human text, e.g. `Permission denied`. */
  message: string;
}

// strerror(3) wording, so messages read like coreutils' (`digest-tree: x: Permission denied`).
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
  ELOOP: 'Too many levels of symbolic links',
  EIO: 'Input/output error',
  EMFILE: 'Too many open files',
  ENFILE: 'Too many open files in system',
  ENAMETOOLONG: 'File name too long',
  ENOMEM: 'Cannot allocate memory',
  EINVAL: 'Invalid argument',
  ESTALE: 'Stale file handle',
  ENXIO: 'No such device or address',
  EAGAIN: 'Resource temporarily unavailable',
  ENOSPC: 'No space left on device',
  EDQUOT: 'Disk quota exceeded',
  EFBIG: 'File too large',
  EROFS: 'Read-only file system',
  EBADF: 'Bad file descriptor',
  ECONNRESET: 'Connection reset by peer',
};

/** strerror-like text for an errno name; the name itself when unknown. */
export const describeCode = (code: string): string => STRERROR[code] ?? code;

/**
 * strerror-like text for a thrown fs error: our table, else libuv's own wording (`ENOSPC: no
 * space left on device, write` → `No space left on device`), else the message.
 */
export function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException | null;
  if (typeof e?.code === 'string' && STRERROR[e.code] !== undefined) return STRERROR[e.code]!;
  const message = error instanceof Error ? error.message : String(error);
  const libuv = /^[A-Z0-9_]+: ([^,]+)/.exec(message)?.[1];
  return libuv ? libuv[0]!.toUpperCase() + libuv.slice(1) : message;
}

/** An Issue from a thrown fs error (`err.code`), falling back to its message. */
export function issueFromError(path: BytePath, error: unknown, severity: Issue['severity'] = 'error'): Issue {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') return { severity, path, code, message: describeCode(code) };
  return { severity, path, code: 'EUNKNOWN', message: error instanceof Error ? error.message : String(error) };
}
