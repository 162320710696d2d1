// Start-up: digest-tree on a folder of 10 tiny files, beside `node -e 0` (the floor of any Node
// program) and `sha512sum` on the same files (issue 13, item 5: goal digest-tree ≤ 1.3× node -e 0).
// Small runs are noise-prone, so the commands take turns, round after round (background load
// then spreads over all of them), each spawned directly (no shell in the figure); every ratio is
// of medians from the same rounds.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc.mjs';
import { summarize } from './stats.mjs';
import { digestTreeBin } from './workspace.mjs';

/** Files in the start-up folder, and their size. */
export const STARTUP_FILES = 10;
const FILE_BYTES = 100;
/** The goal of issue 13: digest-tree on the folder ≤ this × `node -e 0`. */
export const STARTUP_BAR = 1.3;

/** `root/startup-10`: 10 files of 100 bytes (made once, rewritten if different). */
export function ensureStartupTree(root) {
  const dir = join(root, `startup-${STARTUP_FILES}`);
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (let i = 0; i < STARTUP_FILES; i++) {
    const file = join(dir, `f${i}.txt`);
    const data = Buffer.alloc(FILE_BYTES, `tiny file ${i}\n`);
    let same = false;
    try {
      same = readFileSync(file).equals(data);
    } catch {
      // missing: written below
    }
    if (!same) writeFileSync(file, data);
    files.push(file);
  }
  return { dir, files };
}

/** The commands, in table order: { id, label, cmd, args, env? } or { id, label, error }. */
function commands(dir, files) {
  const dt = digestTreeBin();
  const node = { id: 'node', label: '`node -e 0`', cmd: process.execPath, args: ['-e', '0'] };
  const sum = { id: 'sha512sum', label: '`sha512sum` on the 10 files', cmd: 'sha512sum', args: files };
  if (dt.error) return [node, { id: 'digest-tree', label: 'digest-tree DIR', error: dt.error }, sum];
  return [
    node,
    { id: 'digest-tree', label: '`digest-tree DIR` (hashed inline, no pool)', cmd: process.execPath, args: [dt.bin, dir], mpool: true },
    {
      id: 'digest-tree-jobs',
      label: '`digest-tree --jobs 2 DIR` (a command line with an option loads commander)',
      cmd: process.execPath,
      args: [dt.bin, '--jobs', '2', dir],
      mpool: true,
    },
    {
      id: 'digest-tree-pool',
      label: '`digest-tree DIR` with the pool forced (`DIGEST_TREE_INLINE_MS=0`: 2 workers, as before inline hashing)',
      cmd: process.execPath,
      args: [dt.bin, dir],
      env: { ...process.env, DIGEST_TREE_INLINE_MS: '0' },
      mpool: true,
    },
    sum,
  ];
}

/**
 * Runs the start-up row: one untimed run of each command, then `rounds` rounds in which each
 * runs once. Returns { dir, files, rounds, tools: { id: { label, summary(ms), error? } } }.
 */
export async function runStartup({ root, rounds, log }) {
  const { dir, files } = ensureStartupTree(root);
  const list = commands(dir, files);
  const tools = {};
  for (const c of list) {
    tools[c.id] = { label: c.label, mpool: !!c.mpool };
    if (c.error) tools[c.id].skipped = c.error;
  }
  const live = list.filter((c) => !c.error);
  const ms = Object.fromEntries(live.map((c) => [c.id, []]));
  for (let round = 0; round <= rounds; round++) {
    for (const c of live) {
      if (tools[c.id].error) continue;
      const r = await run(c.cmd, c.args, { env: c.env, timeoutMs: 60_000 });
      if (r.code !== 0) {
        tools[c.id].error = `exit ${r.code}: ${r.stderr.trim().split('\n')[0] ?? ''}`;
        log(`    ${c.label}: FAILED: ${tools[c.id].error}`);
        continue;
      }
      if (round > 0) ms[c.id].push(r.ms); // round 0 warms the page cache and the binaries
    }
  }
  const floor = ms.node?.length ? summarize(ms.node).median : NaN;
  for (const c of live) {
    if (!ms[c.id].length) continue;
    const s = summarize(ms[c.id]);
    tools[c.id].summary = s;
    tools[c.id].ratioToNode = s.median / floor;
    log(`    ${c.label}: ${s.median.toFixed(1)} ms (${s.min.toFixed(1)}–${s.max.toFixed(1)}), ${(s.median / floor).toFixed(2)}× node -e 0`);
  }
  return { dir, files: files.length, fileBytes: FILE_BYTES, rounds, tools };
}

/** The bar of issue 13, item 5: { name, pass (null when not measured), detail }. */
export function startupBar(startup) {
  const dt = startup?.tools?.['digest-tree'];
  const name = `digest-tree on ${STARTUP_FILES} tiny files ≤ ${STARTUP_BAR}× \`node -e 0\``;
  if (!dt?.summary || !Number.isFinite(dt.ratioToNode)) return { name, pass: null, detail: dt?.error ?? dt?.skipped ?? 'not measured' };
  return { name, pass: dt.ratioToNode <= STARTUP_BAR, detail: `${dt.ratioToNode.toFixed(2)}× (${dt.summary.median.toFixed(1)} ms vs ${startup.tools.node.summary.median.toFixed(1)} ms)` };
}

/** The RESULTS.md lines of the start-up row. */
export function startupSection(startup) {
  const bar = startupBar(startup);
  const lines = [
    '## Start-up: 10 tiny files',
    '',
    `Wall time from spawn to exit on a folder of ${startup.files} files of ${startup.fileBytes} bytes (warm cache), the commands taking turns for ` +
      `${startup.rounds} rounds (median, min–max); ratios are of medians from the same rounds. A run this small is hashed on the main thread ` +
      '(apps/digest-cli/src/inline.ts): the pool row shows what starting two workers costs.',
    '',
    `- **${bar.pass === null ? 'N/A' : bar.pass ? 'PASS' : 'FAIL'}** ${bar.name}: ${bar.detail}`,
    '',
    '| command | ms | ÷ `node -e 0` |',
    '|---|---|---|',
  ];
  for (const t of Object.values(startup.tools)) {
    if (!t.summary) {
      lines.push(`| ${t.label} | ${t.error ?? t.skipped} | |`);
      continue;
    }
    lines.push(`| ${t.label} | ${t.summary.median.toFixed(1)} (${t.summary.min.toFixed(1)}–${t.summary.max.toFixed(1)}) | ${t.ratioToNode.toFixed(2)} |`);
  }
  lines.push('');
  return lines;
}
