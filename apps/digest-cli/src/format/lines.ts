/**
 * The two checksum-line formats of coreutils' `sha512sum`, written and parsed byte-exactly.
 * Lines are byte strings (see paths.ts): names are written as their raw bytes.
 *
 * Escaping (coreutils 9): a name holding `\`, a newline or a carriage return is written with
 * `\\`, `\n` and `\r`, and the whole line then starts with a `\`, so any name fits on one line.
 */
import type { BytePath } from '../paths.js';

const NEEDS_ESCAPE = /[\\\n\r]/;

/** `name` escaped as coreutils does, and whether it needed it. */
export function escapeName(name: BytePath): { text: string; escaped: boolean } {
  if (!NEEDS_ESCAPE.test(name)) return { text: name, escaped: false };
  return { text: name.replace(/[\\\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : '\\r')), escaped: true };
}

/** GNU format: `hex  name` (two spaces: text mode, as sha512sum prints by default). */
export function gnuLine(path: BytePath, hex: string): string {
  const { text, escaped } = escapeName(path);
  return `${escaped ? '\\' : ''}${hex}  ${text}\n`;
}

/** BSD format (`--tag`): `SHA512 (name) = hex`. */
export function bsdLine(path: BytePath, hex: string): string {
  const { text, escaped } = escapeName(path);
  return `${escaped ? '\\' : ''}SHA512 (${text}) = ${hex}\n`;
}

/** One parsed manifest line. */
export interface ManifestEntry {
  path: BytePath;
  hex: string;
}

const HEX128 = /^[0-9a-fA-F]{128}$/;

/** Reverses {@link escapeName}; null for a bad escape (the line is then improperly formatted). */
function unescapeName(text: string): string | null {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = text[++i];
    if (next === '\\') out += '\\';
    else if (next === 'n') out += '\n';
    else if (next === 'r') out += '\r';
    else return null;
  }
  return out;
}

/**
 * Parses one line (without its `\n`) in GNU (`hex  name`, `hex *name`) or BSD
 * (`SHA512 (name) = hex`) format; null when it is neither.
 */
export function parseLine(line: string): ManifestEntry | null {
  let body = line.endsWith('\r') ? line.slice(0, -1) : line;
  const escaped = body.startsWith('\\');
  if (escaped) body = body.slice(1);
  let hex: string;
  let name: string;
  const bsd = /^SHA512 ?\((.*)\) = ([0-9a-fA-F]+)$/s.exec(body);
  if (bsd) {
    name = bsd[1]!;
    hex = bsd[2]!;
  } else {
    hex = body.slice(0, 128);
    const sep = body.slice(128, 130);
    if (sep !== '  ' && sep !== ' *') return null;
    name = body.slice(130);
  }
  if (!HEX128.test(hex) || name === '') return null;
  const path = escaped ? unescapeName(name) : name;
  return path === null ? null : { path, hex: hex.toLowerCase() };
}
