// Writes the Markdown report (bench/RESULTS.md) from the results of each section.
import { existsSync, readFileSync } from 'node:fs';
import { fmt, fmtRange, fmtRatio } from './stats.mjs';
import { POOL_PEERS, poolBars, STARTUP_VARIANTS } from './pools.mjs';
import { bullmqBars } from './bullmq.mjs';
import { cacheSection } from './report-cache.mjs';
import { ioSection } from './report-io.mjs';
import { fleetSection } from './report-fleet.mjs';
import { bullmqSection } from './bullmq-report.mjs';
import { startupSection } from './startup.mjs';

const n = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '–');
const med = (s) => s?.median;
/** Text safe inside a Markdown table cell. */
const cell = (s) => String(s).replaceAll('\n', ' ').replaceAll('|', '\\|');
const plural = (k, word) => `${k} ${word}${k === 1 ? '' : 's'}`;
/** A skip reason, short in tables: the full text is printed by the harness and kept in the raw JSON. */
const why = (text) => cell(/not built yet/.test(text) ? 'not built yet' : text.slice(0, 160));

function machineSection(m, meta) {
  const peers = Object.entries(m.peers ?? {})
    .map(([k, v]) => `${k} ${v ?? '(not installed)'}`)
    .join(', ');
  return [
    '## Machine',
    '',
    '| | |',
    '|---|---|',
    `| CPU | ${m.cpuModel}${m.hypervisor ? ` (${m.hypervisor} guest)` : ''}, flags: ${m.cpuFlags.join(' ') || '–'} |`,
    `| cores | ${m.cores} (available parallelism ${m.availableParallelism}) |`,
    `| memory | ${m.memoryGiB} GiB |`,
    `| OS | ${m.os} |`,
    `| Node | ${m.node} (its OpenSSL ${m.nodeOpenssl}) |`,
    `| OpenSSL CLI | ${m.openssl ?? '–'} |`,
    `| Python | ${m.python ?? '–'}${meta.pythonStartMethod ? ` (multiprocessing start method: ${meta.pythonStartMethod})` : ''} |`,
    `| JS peers | ${peers} |`,
    `| other tools | ${[m.sha512sum, m.rhash].filter(Boolean).join('; ') || '–'} |`,
    `| load average at start | ${m.loadAverageAtStart.join(' ')} (1, 5, 15 min; 2 cores: anything near 2 means the figures are noisy) |`,
    '',
  ];
}

function poolsSection(p) {
  const lines = ['## Pools (2 workers)', ''];
  const cfg = p.config;
  lines.push(
    `${plural(cfg.rounds, 'round')}; in each round every pool runs all scenarios in a fresh process (after a warm-up of ${n(cfg.warmup ?? 2000)} tasks), ` +
      `pools interleaved. Trivial task = add two numbers. 1-minute load average during the section: ${fmtRange(p.load1, 2)}.`,
    '',
  );
  const rows = POOL_PEERS.filter((d) => p.peers[d.id]);
  const S = (id, key) => p.peers[id]?.summary?.[key];
  const status = (id) => {
    const e = p.peers[id];
    if (e.skipped) return `skipped: ${why(e.skipped)}`;
    if (!e.runs.length) return `failed: ${why(e.errors[0] ?? 'no result')}`;
    return null;
  };
  const label = (id) => cell(`${p.peers[id].label}${p.peers[id].version && !p.peers[id].mpool && id !== 'python' ? ` ${p.peers[id].version}` : ''}`);

  lines.push(
    `### Throughput: ${n(cfg.tasks)} trivial tasks submitted at once, one task per call`,
    '',
    'mpool: `applyAsync(add, [i, 1])` per task; piscina/tinypool: `run([i, 1], { name })`; workerpool: `exec("add", [i, 1])`; Python: `apply_async(add, (i, 1))`. All results awaited.',
    '',
    '| pool | tasks/s | µs per task | mpool ThreadPool ÷ this | mpool ProcessPool ÷ this |',
    '|---|---|---|---|---|',
  );
  for (const d of rows) {
    const s = S(d.id, 'throughput.perSecond');
    const st = status(d.id);
    if (st) {
      lines.push(`| ${label(d.id)} | ${st} | | | |`);
      continue;
    }
    lines.push(
      `| ${label(d.id)} | ${fmtRange(s)} | ${fmt(1e6 / med(s))} | ${d.id === 'mpool-threads' ? '' : fmtRatio(med(S('mpool-threads', 'throughput.perSecond')), med(s))} | ${d.id === 'mpool-procs' ? '' : fmtRatio(med(S('mpool-procs', 'throughput.perSecond')), med(s))} |`,
    );
  }
  const statsRows = rows.filter((d) => S(d.id, 'throughputStatsOff.perSecond'));
  if (statsRows.length) {
    lines.push(
      '',
      '### Cost of `pool.stats()`: one-task-per-call throughput with and without collection',
      '',
      `The same scenario (${n(cfg.tasks / 4)} tasks per run) on the pool above (stats on, the default) and on a second pool made with \`stats: false\`, ` +
        '4 runs each in the order on, off, off, on, on, off, off, on; median of the 4 (min–max over rounds of the medians). A few percent is within the noise of a shared machine.',
      '',
      '| pool | stats on (tasks/s) | stats: false (tasks/s) | on ÷ off |',
      '|---|---|---|---|',
    );
    for (const d of statsRows) {
      const on = S(d.id, 'throughputStatsOn.perSecond');
      const off = S(d.id, 'throughputStatsOff.perSecond');
      lines.push(`| ${label(d.id)} | ${fmtRange(on)} | ${fmtRange(off)} | ${fmtRatio(med(on), med(off))} |`);
    }
  }
  lines.push(
    '',
    `### map of ${n(cfg.tasks)} trivial items`,
    '',
    'mpool `pool.map(inc, items)` (default chunksize = ceil(n / (4 × workers)), as Python) and `pool.map(inc, items, 1)`; Python `Pool.map` likewise. ' +
      'The JS peers have no chunking: their map is one task per item, the throughput figure above.',
    '',
    '| pool | default chunksize (items/s) | chunksize 1 (items/s) | Python ÷ this (default) |',
    '|---|---|---|---|',
  );
  for (const d of rows) {
    if (d.reference) continue;
    const st = status(d.id);
    if (st) {
      lines.push(`| ${label(d.id)} | ${st} | | |`);
      continue;
    }
    const def = S(d.id, 'mapDefault.perSecond');
    if (def) {
      lines.push(`| ${label(d.id)} | ${fmtRange(def)} | ${fmtRange(S(d.id, 'mapChunk1.perSecond'))} | ${d.id === 'python' ? '' : fmtRatio(med(S('python', 'mapDefault.perSecond')), med(def))} |`);
    } else {
      const t = S(d.id, 'throughput.perSecond');
      lines.push(`| ${label(d.id)} | no chunking: ${fmtRange(t)} | ${fmtRange(t)} | ${fmtRatio(med(S('python', 'mapDefault.perSecond')), med(t))} |`);
    }
  }
  lines.push(
    '',
    `### Round-trip latency: ${n(cfg.latencyN)} sequential awaited trivial tasks`,
    '',
    'Percentiles within a run; the table shows their median (min–max) over the runs.',
    '',
    '| pool | p50 µs | p99 µs |',
    '|---|---|---|',
  );
  for (const d of rows) {
    const st = status(d.id);
    lines.push(st ? `| ${label(d.id)} | ${st} | |` : `| ${label(d.id)} | ${fmtRange(S(d.id, 'latency.p50'))} | ${fmtRange(S(d.id, 'latency.p99'))} |`);
  }
  lines.push(
    '',
    `### Payload: a 1 MiB Buffer argument returned unchanged, ${n(cfg.payloadN)} sequential round trips (with transfer: ${n(cfg.payloadTransferN ?? cfg.payloadN)}), each pool after the same warm-up (up to 3,000 round trips or 2 s: the first few thousand in a fresh process measure V8 compiling the path)`,
    '',
    'Copied (structured clone / pickle) both ways; "with transfer" moves the ArrayBuffer both ways (piscina and tinypool: transferList + `move()`; workerpool: `Transfer`; mpool: `move()` on the argument and on the result). mpool ProcessPool writes big buffers into a memory file shared with the child (Linux; elsewhere a socket beside its IPC channel); with `move()` the memory it wrote out serves again for the next incoming buffer of that size (processes share no memory, so bytes still cross). Python pickles.',
    '',
    '| pool | round trips/s | with transfer (round trips/s) |',
    '|---|---|---|',
  );
  for (const d of rows) {
    if (d.reference) continue;
    const st = status(d.id);
    lines.push(st ? `| ${label(d.id)} | ${st} | |` : `| ${label(d.id)} | ${fmtRange(S(d.id, 'payload.perSecond'))} | ${S(d.id, 'payloadTransfer.perSecond') ? fmtRange(S(d.id, 'payloadTransfer.perSecond')) : 'n/a'} |`);
  }
  const ioRows = rows.filter((d) => S(d.id, 'io.perSecond'));
  if (ioRows.length) {
    const perWorker = ioRows.map((d) => p.peers[d.id].runs.find((r) => r.io)?.io.perWorker).find(Boolean);
    lines.push(
      '',
      `### I/O-bound tasks: ${n(cfg.ioTasks)} tasks awaiting a 1 ms timer, submitted at once, concurrentTasksPerWorker ${perWorker}`,
      '',
      'Each pool with `concurrentTasksPerWorker` set (mpool, piscina, tinypool: the same option name and meaning), so a worker keeps that many tasks waiting at once. ' +
        `The ideal is ${n((2 * perWorker * 1000) / 1.1)}/s or so (2 workers × ${perWorker} at once / ~1.1 ms per timer).`,
      '',
      '| pool | tasks/s |',
      '|---|---|',
    );
    for (const d of ioRows) lines.push(`| ${label(d.id)} | ${fmtRange(S(d.id, 'io.perSecond'))} |`);
  }
  lines.push(
    '',
    `### Start-up: ${cfg.startups} fresh processes each`,
    '',
    'Spawn of a new `node` / `python3` → library imported → pool created (2 workers) → first trivial result back in the parent; measured by the parent from spawn to the child\'s first stdout line. ' +
      'The second column is the part inside the child from the pool constructor to the first result; the third, the constructor alone ' +
      '(mpool `minProcesses: 0` rows: a pool that starts no worker until its first call, which then starts one).',
    '',
    '| pool | spawn → first result (ms) | pool created → first result (ms) | constructor (ms) |',
    '|---|---|---|---|',
  );
  for (const d of [...rows, ...STARTUP_VARIANTS.filter((v) => p.peers[v.id])]) {
    if (p.peers[d.id].skipped) {
      lines.push(`| ${label(d.id)} | skipped: ${why(p.peers[d.id].skipped)} | | |`);
      continue;
    }
    const ctor = S(d.id, 'startup.constructorMs');
    lines.push(`| ${label(d.id)} | ${fmtRange(S(d.id, 'startup.spawnToFirstMs'))} | ${fmtRange(S(d.id, 'startup.createToFirstMs'))} | ${ctor ? fmtRange(ctor) : '–'} |`);
  }
  const errs = [...rows, ...STARTUP_VARIANTS.filter((v) => p.peers[v.id])].flatMap((d) => p.peers[d.id].errors.map((e) => `- ${label(d.id)}: ${String(e).split('\n')[0].slice(0, 200)}`));
  if (errs.length) lines.push('', 'Errors:', '', ...errs);
  lines.push('');
  return lines;
}

function hashSection(h, openssl) {
  const lines = ['## Hashing: sha512-native vs node:crypto (one thread)', ''];
  if (h.skipped || h.error) return [...lines, `Not measured: ${h.skipped ?? h.error}`, ''];
  const S = h.summary;
  lines.push(
    `${plural(S['block.native']?.n ?? 0, 'run')} after one warm-up; ${h.isNative ? 'native addon loaded' : `**the addon did not load: the fallback (node:crypto) was measured** (${h.nativeLoadError ?? 'forced'})`}. ` +
      `Digests checked against node:crypto: ${Object.entries(h.checks).map(([k, v]) => `${k} ${v ? 'ok' : 'MISMATCH'}`).join(', ')}. ` +
      `OpenSSL CLI single core: ${fmtRange(openssl?.singleCore)} MB/s.`,
    '',
    '| workload | node:crypto | sha512-native | native ÷ node |',
    '|---|---|---|---|',
    `| ${h.blockMiB} × 1 MiB blocks from memory (MB/s): \`createHash().update().digest()\` vs \`sha512(block)\` | ${fmtRange(S['block.nodeCrypto'])} | ${fmtRange(S['block.native'])} | ${fmtRatio(med(S['block.native']), med(S['block.nodeCrypto']))} |`,
    `| one 64 MiB file (MB/s): \`readFileSync\` + \`createHash\` vs \`hashFileSync\` | ${fmtRange(S['bigfile.readFileSyncCreateHash'])} | ${fmtRange(S['bigfile.hashFileSync'])} | ${fmtRatio(med(S['bigfile.hashFileSync']), med(S['bigfile.readFileSyncCreateHash']))} |`,
    `| ${n(h.files)} files of 4 KiB (files/s): \`readFileSync\` + \`createHash\` vs \`hashFileSync\` per file | ${fmtRange(S['files.readFileSyncCreateHash'])} | ${fmtRange(S['files.hashFileSync'])} | ${fmtRatio(med(S['files.hashFileSync']), med(S['files.readFileSyncCreateHash']))} |`,
    `| same files: one \`hashFiles(paths)\` call (sync, one native call for the batch) | | ${fmtRange(S['files.hashFiles'])} | ${fmtRatio(med(S['files.hashFiles']), med(S['files.readFileSyncCreateHash']))} |`,
    `| same files: one \`hashFilesAsync(paths)\` (one libuv round trip) | | ${fmtRange(S['files.hashFilesAsync'])} | ${fmtRatio(med(S['files.hashFilesAsync']), med(S['files.readFileSyncCreateHash']))} |`,
    `| same files: \`hashFile(p)\` for all at once (libuv pool, 4 threads, so not one thread) | | ${fmtRange(S['files.hashFileAll'])} | ${fmtRatio(med(S['files.hashFileAll']), med(S['files.readFileSyncCreateHash']))} |`,
  );
  for (const [k, e] of Object.entries(h.errors ?? {})) lines.push('', `- ${k} failed: ${e}`);
  lines.push('');
  return lines;
}

function digestSection(d, openssl) {
  const limit = 2 * (openssl?.singleCore?.median ?? NaN);
  const lines = [
    '## Directory digests (2 workers / 2 processes, warm page cache)',
    '',
    'Each tool maps every file of a corpus to its SHA-512. Caches are not dropped: every tool runs once untimed (warming the page cache), then ' +
      `${plural(d.runs, 'timed run')}. MB/s = corpus bytes (regular files) / wall time; files/s = regular files / wall time. ` +
      `2-core limit = 2 × \`openssl speed -evp sha512 -bytes 1048576\` = 2 × ${fmt(openssl?.singleCore?.median)} = **${fmt(limit)} MB/s**${openssl?.error ? ` (${openssl.error})` : ''}. ` +
      'The read floor reads every file without hashing. xargs batches hold min(256, ceil(files / 2)) files so both processes get work even on 8 files.',
    '',
  ];
  for (const [name, t] of Object.entries(d.trees)) {
    lines.push(
      `### ${name}: ${n(t.files)} files, ${fmt(t.bytes / 2 ** 20)} MiB (${t.dir})`,
      '',
      '| tool | MB/s | files/s | ÷ 2-core limit | digest-tree ÷ this | seconds |',
      '|---|---|---|---|---|---|',
    );
    const dt = t.tools['digest-tree']?.summary?.MBps?.median;
    const notes = [];
    for (const [id, e] of Object.entries(t.tools)) {
      if (e.skipped || e.error || !e.summary) {
        lines.push(`| ${cell(e.label)} | ${e.skipped ? `skipped: ${why(e.skipped)}` : `failed: ${why(e.error ?? '')}`} | | | | |`);
        continue;
      }
      const s = e.summary;
      if (e.partial) notes.push(`${e.label}: ${e.partial}`);
      lines.push(
        `| ${cell(e.label)}${e.partial ? ` †${notes.length}` : ''} | ${fmtRange(s.MBps)} | ${fmtRange(s.filesPerSec)} | ${fmt(s.MBps.median / limit, 2)} | ${id === 'digest-tree' ? '' : fmtRatio(dt, s.MBps.median)} | ${fmtRange(s.seconds)} |`,
      );
    }
    lines.push(`| 2-core limit (OpenSSL × 2) | ${fmt(limit)} | | 1 | ${fmtRatio(dt, limit)} | |`);
    // The four-lane hasher (big files, batches) from memory on both cores: digest-tree's own ceiling.
    const lanes = openssl?.lanes?.multiCore?.median;
    if (lanes) lines.push(`| 2-core limit (4-lane hasher from memory, ${openssl.lanes.cores} processes) | ${fmtRange(openssl.lanes.multiCore)} | | ${fmt(lanes / limit, 2)} | ${fmtRatio(dt, lanes)} | |`);
    lines.push('');
    if (notes.length) lines.push(...notes.map((note, i) => `†${i + 1} ${note.replaceAll('\n', ' ')}`), '');
  }
  return lines;
}

/** The whole RESULTS.md text. `sections`: { machine, meta, pools?, bullmq?, hash?, digest?, cache?, io?, 'digest-startup'?, fleet?, openssl? }. */
export function renderReport({ machine, meta, pools, bullmq, hash, digest, cache, io, 'digest-startup': startup, fleet, openssl }) {
  const lines = [
    '# mpool benchmark results',
    '',
    `Written by \`${meta.command}\` (bench/src/run.mjs) on ${meta.date}${meta.quick ? ' with **--quick** (small corpora, few runs: a check of the harness, not figures to compare)' : ''}; ` +
      `the run took ${meta.minutes.toFixed(1)} min. Every figure is the **median of several runs, (min–max) beside it**. MB = 10^6 bytes, MiB = 2^20. ` +
      'Benchmarks, not tests: nothing here fails a build. The development machine is shared with builds and tests, so re-measure on a quiet machine before quoting a figure.',
    '',
    ...machineSection(machine, meta),
  ];
  const from = (title, sec) => (sec?.at && sec.at !== meta.date ? [`_(the ${title} section below comes from an earlier run, ${sec.at})_`, ''] : []);
  if (pools) {
    const bars = poolBars(pools);
    lines.push('## Bars (issue 5)', '', ...from('pools', pools));
    for (const b of bars) lines.push(`- **${b.pass === null ? 'N/A' : b.pass ? 'PASS' : 'FAIL'}** ${b.name}: ${b.detail}`);
    lines.push('', ...poolsSection(pools));
  }
  if (bullmq) {
    lines.push('## Bars (BullmqPool)', '', ...from('bullmq', bullmq));
    for (const b of bullmqBars(bullmq)) lines.push(`- **${b.pass === null ? 'N/A' : b.pass ? 'PASS' : 'FAIL'}** ${b.name}: ${b.detail}`);
    lines.push('', ...bullmqSection(bullmq));
  }
  if (hash) lines.push(...from('hashing', hash), ...hashSection(hash, openssl));
  if (digest) lines.push(...from('digest', digest), ...digestSection(digest, openssl));
  if (cache) lines.push(...from('cache', cache), ...cacheSection(cache));
  if (io) lines.push(...from('io', io), ...ioSection(io));
  if (startup) lines.push(...from('start-up', startup), ...startupSection(startup));
  if (fleet) lines.push(...from('fleet', fleet), ...fleetSection(fleet));
  // Figures measured by hand (memory on 1M files) live in bench/memory.md and are kept as they are.
  const memory = new URL('../memory.md', import.meta.url);
  if (existsSync(memory)) lines.push(readFileSync(memory, 'utf8').trimEnd(), '');
  const missing = Object.entries({ pools, bullmq, hash, digest, cache, 'digest-startup': startup }).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length) lines.push(`Sections not run yet: ${missing.join(', ')} (\`pnpm bench\` runs them all).`, '');
  return `${lines.join('\n')}\n`;
}
