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
  override readonly name = 'SetupError';
}

/** Stdout was closed by the reader (`digest-tree | head -1`): stop quietly. */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
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
};

/** strerror-like text for an errno name; the name itself when unknown. */
export const describeCode = (code: string): string => STRERROR[code] ?? code;

/** An Issue from a thrown fs error (`err.code`), falling back to its message. */
export function issueFromError(path: BytePath, error: unknown, severity: Issue['severity'] = 'error'): Issue {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (typeof code === 'string') return { severity, path, code, message: describeCode(code) };
  return { severity, path, code: 'EUNKNOWN', message: error instanceof Error ? error.message : String(error) };
}
