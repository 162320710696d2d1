/** The tree of hard cases: every awkward name and file type the task lists. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { bytes, writeTree } from './helpers.js';

/** What {@link makeHardTree} could create (device nodes need privileges a container may lack). */
export interface HardTree {
  /** Special files created inside the tree (each must be skipped with a note). */
  specials: string[];
}

/**
 * Fills `root` with: names with spaces, newlines, carriage returns, backslashes, leading dashes
 * and spaces, non-UTF-8 bytes (file and directory); an empty file; a 3 MiB file; a deep chain;
 * a FIFO, a socket and a character device; symlinks to a file and to a directory, a dangling
 * one and a loop (none of which is followed by default).
 */
export function makeHardTree(root: string): HardTree {
  writeTree(root, [
    ['plain.txt', 'hello\n'],
    ['sp ace.txt', 'space'],
    ['nl\nname', 'newline in name'],
    ['cr\rname', 'carriage return'],
    ['back\\slash', 'backslash'],
    ['both\\and\nnl', 'both'],
    ['-leading-dash', 'dash'],
    [' leading space', 'lead'],
    ['empty', ''],
    ['big.bin', bytes(3 << 20, 7)],
    ['d1/d2/d3/d4/deep.txt', 'deep'],
    ['dir\nwith newline/inner', 'inner'],
    ['résumé/naïve café.txt', 'unicode'],
    [Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e, 0x62, 0x69, 0x6e]), 'non-utf8 file'],
    [Buffer.concat([Buffer.from('latin1-'), Buffer.from([0xe9]), Buffer.from('/f')]), 'inside a non-utf8 directory'],
    ['many/a', 'a'],
    ['many/b', 'b'],
    ['many/c', bytes(100_000, 3)],
  ]);
  mkdirSync(join(root, 'empty-dir'));
  symlinkSync('plain.txt', join(root, 'link-to-file'));
  symlinkSync('d1', join(root, 'link-to-dir'));
  symlinkSync('nowhere', join(root, 'dangling'));
  symlinkSync('..', join(root, 'd1', 'loop-up'));
  const specials: string[] = [];
  execFileSync('mkfifo', [join(root, 'fifo')]);
  specials.push('fifo');
  execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', join(root, 'sock')]);
  specials.push('sock');
  try {
    execFileSync('mknod', [join(root, 'chardev'), 'c', '1', '3'], { stdio: 'ignore' });
    specials.push('chardev');
  } catch {
    // No CAP_MKNOD here: the FIFO and the socket still cover "never open a special file".
  }
  return { specials };
}
