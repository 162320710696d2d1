/**
 * JSON output. JSON strings are Unicode, file names are bytes: names are decoded with
 * surrogateescape (see paths.ts), which is lossless; `JSON.stringify` writes the escaped bytes as
 * `\udc80`..`\udcff`, so the output stays valid ASCII-safe JSON. NDJSON lines of such names also
 * carry `pathBase64` (the exact bytes) for readers whose JSON parser replaces lone surrogates.
 */
import { bytePathToBuffer, fsdecodeBytePath, isUtf8BytePath, type BytePath } from '../paths.js';

/** One `--json` member: `"path": "hex"` (no separator). */
export const jsonMember = (path: BytePath, hex: string): string => `${JSON.stringify(fsdecodeBytePath(path))}: "${hex}"`;

/** One `--ndjson` line: `{"path":…,"sha512":…}` plus `pathBase64` when the name is not UTF-8. */
export function ndjsonLine(path: BytePath, hex: string): string {
  const name = JSON.stringify(fsdecodeBytePath(path));
  if (isUtf8BytePath(path)) return `{"path":${name},"sha512":"${hex}"}\n`;
  return `{"path":${name},"pathBase64":"${bytePathToBuffer(path).toString('base64')}","sha512":"${hex}"}\n`;
}
