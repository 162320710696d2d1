// The I/O section (issue 13 items 1-2): digests on a cold page cache, and the per-file floor.
// - cold: the mixed corpus with the page cache dropped (`sync; echo 3 > /proc/sys/vm/drop_caches`)
//   before every timed run, tools interleaved run by run so they share the machine's state;
//   only as root (otherwise skipped, saying why).
// - empty: 200,000 empty files (200 folders × 1,000, made once), digest-tree against a C loop
//   of open/read/close (compiled here with cc into a temp folder), warm cache.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync, closeSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { q, sh } from './proc.mjs';
import { summarize } from './stats.mjs';
import { digestTreeBin } from './workspace.mjs';

const DROP = 'sync; echo 3 > /proc/sys/vm/drop_caches';

/** The C floor: open, read to EOF, close each argument (no hashing, no stat). */
const FLOOR_C = `#include <fcntl.h>
#include <unistd.h>
static char buf[1 << 20];
int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    int fd = open(argv[i], O_RDONLY);
    if (fd < 0) return 1;
    while (read(fd, buf, sizeof buf) > 0) {}
    close(fd);
  }
  return 0;
}
`;

/** Compiles the floor; returns { bin } or { error }. */
async function buildFloor() {
  const dir = mkdtempSync(join(tmpdir(), 'mpool-floor-'));
  writeFileSync(join(dir, 'floor.c'), FLOOR_C);
  const r = await sh(`cc -O2 -o ${q(join(dir, 'floor'))} ${q(join(dir, 'floor.c'))}`);
  return r.code === 0 ? { bin: join(dir, 'floor') } : { error: `cc failed: ${r.stderr.trim().split('\n').pop()}` };
}

/** `root/empty200k`: 200 folders of 1,000 empty files (made once). */
export function ensureEmptyTree(root, log) {
  const dir = join(root, 'empty200k');
  const complete = existsSync(dir) && readdirSync(dir).length === 200 && readdirSync(join(dir, 'dir199')).length === 1000;
  if (!complete) {
    log(`  making 200,000 empty files in ${dir}`);
    for (let d = 0; d < 200; d++) {
      const sub = join(dir, `dir${String(d).padStart(3, '0')}`);
      mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 1000; f++) closeSync(openSync(join(sub, `file${String(f).padStart(4, '0')}.txt`), 'w'));
    }
  }
  return dir;
}

/** Times each tool `runs` times, interleaved; `before` runs untimed before each timed run. */
async function timeTools(tools, runs, before, log) {
  const secs = Object.fromEntries(tools.map((t) => [t.id, []]));
  const errors = {};
  for (let i = 0; i < runs; i++) {
    for (const t of tools) {
      if (errors[t.id]) continue;
      if (before) await sh(before);
      const r = await sh(`${t.cmd} > /dev/null`, { timeoutMs: 600_000 });
      // rhash exits 1 on names with a backslash (see the warm tables): still timed
      if (r.code !== 0 && !t.tolerateExit) errors[t.id] = `exit ${r.code}: ${r.stderr.trim().split('\n')[0]}`;
      else secs[t.id].push(r.ms / 1000);
    }
  }
  const out = {};
  for (const t of tools) {
    out[t.id] = { label: t.label, limit: !!t.limit, error: errors[t.id], seconds: secs[t.id].length ? summarize(secs[t.id]) : undefined };
    log(`    ${t.label}: ${errors[t.id] ? `FAILED: ${errors[t.id]}` : secs[t.id].map((s) => s.toFixed(2)).join(', ')} s`);
  }
  return out;
}

/** Runs the I/O section on the mixed corpus and the empty-files tree. */
export async function runIo({ root, mixed, runs, rhashError, log }) {
  const dt = digestTreeBin();
  if (dt.error) return { skipped: dt.error };
  const dtCmd = (dir) => `${q(process.execPath)} ${q(dt.bin)} --jobs 2 ${q(dir)}`;
  const xargs = (dir, n, p, tail) => `find ${q(dir)} -type f -print0 | xargs -0 -P${p} -n${n} ${tail}`;
  const out = { runs };
  if (process.getuid?.() !== 0) out.cold = { skipped: 'not root: dropping the page cache needs root (sync; echo 3 > /proc/sys/vm/drop_caches)' };
  else if (!existsSync('/proc/sys/vm/drop_caches')) out.cold = { skipped: '/proc/sys/vm/drop_caches missing' };
  else {
    log(`  cold cache, ${mixed.dir}: page cache dropped before every run`);
    const tools = [
      { id: 'cat-p8', label: 'read floor: find | xargs -0 -P8 -n256 cat', limit: true, cmd: xargs(mixed.dir, 256, 8, 'cat') },
      { id: 'digest-tree', label: 'digest-tree --jobs 2', cmd: dtCmd(mixed.dir) },
      { id: 'sha512sum', label: 'find | xargs -0 -P2 -n256 sha512sum', cmd: xargs(mixed.dir, 256, 2, 'sha512sum') },
      ...(rhashError ? [] : [{ id: 'rhash', label: 'find | xargs -0 -P2 -n256 rhash --sha512', cmd: xargs(mixed.dir, 256, 2, 'rhash --sha512'), tolerateExit: true }]),
    ];
    out.cold = { dir: mixed.dir, files: mixed.files, bytes: mixed.bytes, tools: await timeTools(tools, runs, DROP, log) };
    if (rhashError) out.cold.rhashSkipped = rhashError;
  }
  const floor = await buildFloor();
  const empty = ensureEmptyTree(root, log);
  log(`  200,000 empty files, warm cache (${empty})`);
  // The floor gets big xargs batches (few processes): it is meant as the syscall floor, not a spawn count.
  const tools = [
    ...(floor.error ? [] : [{ id: 'c-floor', label: 'C open/read/close: find | xargs -0 -P2 -n4096', limit: true, cmd: xargs(empty, 4096, 2, q(floor.bin)) }]),
    { id: 'digest-tree', label: 'digest-tree --jobs 2', cmd: dtCmd(empty) },
  ];
  await sh(`${dtCmd(empty)} > /dev/null`); // warm-up (dentries, inodes)
  out.empty = { dir: empty, files: 200_000, floorError: floor.error, tools: await timeTools(tools, runs, null, log) };
  return out;
}
