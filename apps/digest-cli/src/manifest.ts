/**
 * Reading a manifest (sha512sum / digest-tree output) line by line, as a stream: `--check` of a
 * manifest of any size runs in bounded memory, and a manifest on a pipe is verified while it is
 * still being written. Lines are byte strings (paths.ts), so names keep their bytes.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Io } from './cli/io.js';
import { ManifestError, issueFromError } from './errors.js';
import { parseLine, type ManifestEntry } from './format/lines.js';
import { stringToBytePath, type BytePath } from './paths.js';

const READ_CHUNK = 1 << 16;
/**
 * A longer line is not kept whole (memory stays bounded whatever the input): it is counted as
 * improperly formatted (or skipped, if it starts with `#`). No real path is that long: PATH_MAX
 * is 4 KiB, 8 KiB escaped.
 */
export const MAX_LINE = 1 << 20;

/**
 * A manifest's name in messages, as text (what errors carry): stdin is `'standard input'`, as
 * coreutils calls it; any other name as given.
 */
export const manifestLabel = (file: string): string => (file === '-' ? "'standard input'" : file);

/** {@link manifestLabel} as a byte string (what Reporter.say takes): a non-ASCII name keeps its UTF-8 bytes. */
export const manifestName = (file: string): BytePath => stringToBytePath(manifestLabel(file));

/** What one manifest line is. */
export type ManifestLine = { kind: 'entry'; entry: ManifestEntry } | { kind: 'skip' } | { kind: 'bad' };

/**
 * Classifies one line (without its `\n`) the way coreutils' `sha512sum -c` does (digest.c): a
 * line starting with `#` is a comment and a line that is empty once one trailing `\r` is removed
 * is skipped, both silently and even with `--strict`; any other line is a checksum line or
 * improperly formatted. (A line of spaces is improperly formatted, as there.)
 */
export function classifyLine(line: string): ManifestLine {
  if (line.startsWith('#')) return { kind: 'skip' };
  if (line === '' || line === '\r') return { kind: 'skip' };
  const entry = parseLine(line);
  return entry ? { kind: 'entry', entry } : { kind: 'bad' };
}

/** An opened manifest: its name (as given) and its lines, read on demand. */
export interface ManifestSource {
  name: string;
  /** The lines, without `\n`, as byte strings. @throws ManifestError when reading fails midway. */
  lines(): AsyncGenerator<string>;
  /**
   * Stops reading (call it when done, in any case): an open stdin left being read would keep
   * the process alive after an interrupted or failed run.
   */
  close(): void;
}

/**
 * Opens a manifest (`-` is stdin). Opening is done now, so that a missing or unreadable manifest
 * is reported before any worker starts.
 * @throws ManifestError when it cannot be opened (the caller may go on with other manifests).
 */
export function openManifest(file: string, io: Io): ManifestSource {
  const fail = (error: unknown) => new ManifestError(`${manifestLabel(file)}: ${issueFromError(stringToBytePath(file), error).message}`);
  if (file === '-') {
    let stdin: NodeJS.ReadableStream;
    try {
      stdin = io.stdinStream();
    } catch (error) {
      throw fail(error);
    }
    return { name: file, lines: () => splitLines(stdinChunks(stdin), fail), close: () => (stdin as { destroy?: () => void }).destroy?.() };
  }
  let fd: number;
  try {
    fd = openSync(Buffer.from(stringToBytePath(file), 'latin1'), 'r');
  } catch (error) {
    throw fail(error);
  }
  const chunks = fileChunks(fd);
  return { name: file, lines: () => splitLines(chunks, fail), close: () => void chunks.return(undefined) };
}

/**
 * Stdin's chunks. Stdin is read once, to its end: a later `-` finds no more data (as with
 * `sha512sum -c - -` on a pipe), rather than an iterator over a finished stream.
 */
async function* stdinChunks(stdin: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  const stream = stdin as NodeJS.ReadableStream & { readableEnded?: boolean; destroyed?: boolean };
  if (stream.readableEnded || stream.destroyed) return;
  for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
}

/** A file's contents in chunks (sync reads: a regular file does not block), closed at the end. */
function* fileChunks(fd: number): Generator<Buffer> {
  try {
    const buffer = Buffer.allocUnsafe(READ_CHUNK);
    for (let n; (n = readSync(fd, buffer, 0, READ_CHUNK, null)) > 0; ) yield buffer.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

/** Splits chunks into lines; the last line may lack its `\n`. */
async function* splitLines(chunks: Iterable<Buffer> | AsyncIterable<Buffer>, fail: (error: unknown) => Error): AsyncGenerator<string> {
  let tail = '';
  // The first byte of an overlong line being dropped ('' when none): it decides comment or bad.
  let dropping: string | null = null;
  const overlong = (first: string) => `${first}\0`; // never a valid checksum line
  try {
    for await (const chunk of chunks) {
      const text = tail + chunk.toString('latin1');
      let start = 0;
      for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
        if (dropping !== null) yield overlong(dropping);
        else yield text.slice(start, nl);
        dropping = null;
        start = nl + 1;
      }
      tail = text.slice(start);
      if (tail.length > MAX_LINE) {
        dropping ??= tail[0]!;
        tail = '';
      }
    }
  } catch (error) {
    throw fail(error);
  }
  if (dropping !== null) yield overlong(dropping);
  else if (tail !== '') yield tail;
}
