#!/usr/bin/env node
// The benchmark harness: `pnpm bench` (root) → `node bench/src/run.mjs [options]`.
// Sections: pools (mpool vs piscina/tinypool/workerpool/Python), bullmq (BullmqPool on its own
// redis-server and mpool-worker fleet vs plain BullMQ), hash (sha512-native vs node:crypto),
// digest (digest-tree vs Python/sha512sum/rhash, against OpenSSL's limit), cache (digest-tree
// --cache re-runs against a full run), io (cold cache, empty files), digest-startup (digest-tree
// on 10 tiny files vs node -e 0 and sha512sum), fleet (digest-tree --backend bullmq on 2 local
// mpool-workers vs --backend procs).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { defaultCorpusRoot, ensureCorpora } from './corpus.mjs';
import { digestTools, ensureRhash, runDigest } from './digest.mjs';
import { runDigestCache } from './digest-cache.mjs';
import { runDigestFleet } from './digest-fleet.mjs';
import { bullmqBars, runBullmq } from './bullmq.mjs';
import { runHash } from './hash.mjs';
import { lanesSpeed, opensslSpeed } from './limits.mjs';
import { runIo } from './cold.mjs';
import { runStartup, startupBar } from './startup.mjs';
import { machineInfo } from './machine.mjs';
import { poolBars, runPools } from './pools.mjs';
import { renderReport } from './report.mjs';
import { BENCH_DIR, REPO_ROOT } from './workspace.mjs';

const HELP = `Usage: pnpm bench [-- options]      (or: node bench/src/run.mjs [options])

  --quick                small corpora and few runs (~2 min): checks the harness, figures not comparable
  --only LIST            sections to run, comma-separated: pools,bullmq,hash,digest,cache,io,digest-startup,fleet (default: all)
  --scenarios LIST       pools scenarios to run, comma-separated: latency,throughput,map,payload,io,startup
                         (default: all); the report then goes to bench/results/raw/RESULTS-partial.md
  --trees LIST           digest corpora to run, comma-separated: large,small,mixed (default: all)
  --runs N               runs per figure (pool and bullmq rounds, hash runs, digest runs, digest-startup rounds);
                         default 3/3/5/3/20, quick 1/1/2/1/5
  --corpus DIR           corpus folder (env MPOOL_CORPUS; default \${TMPDIR:-/tmp}/mpool-corpus[-quick])
  --make-corpus PATH     make-corpus.sh (env MPOOL_MAKE_CORPUS; default <repo>/../shared/bench/make-corpus.sh)
  --python-peer PATH     python_pool_digest.py (env MPOOL_PYTHON_PEER; default <repo>/../shared/bench/peers/...)
  -h, --help             this text

Writes bench/RESULTS.md (--quick: bench/results/raw/RESULTS-quick.md) and raw JSON in bench/results/raw/.`;

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    trees: { type: 'string' },
    runs: { type: 'string' },
    scenarios: { type: 'string' },
    corpus: { type: 'string' },
    'make-corpus': { type: 'string' },
    'python-peer': { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  allowPositionals: false,
});
if (args.help) {
  console.log(HELP);
  process.exit(0);
}

const quick = args.quick;
const SECTIONS = ['pools', 'bullmq', 'hash', 'digest', 'cache', 'io', 'digest-startup', 'fleet'];
const only = args.only ? args.only.split(',').map((s) => s.trim()).filter(Boolean) : SECTIONS;
const unknown = only.filter((s) => !SECTIONS.includes(s));
if (unknown.length) {
  console.error(`unknown section(s): ${unknown.join(', ')} (use ${SECTIONS.join(',')})`);
  process.exit(2);
}
const runsOverride = args.runs === undefined ? undefined : Number(args.runs);
if (runsOverride !== undefined && !(Number.isInteger(runsOverride) && runsOverride >= 1)) {
  console.error('--runs must be an integer >= 1');
  process.exit(2);
}
const sharedBench = resolve(REPO_ROOT, '../shared/bench');
const settings = {
  quick,
  corpus: resolve(args.corpus ?? process.env.MPOOL_CORPUS ?? defaultCorpusRoot(quick)),
  makeCorpus: resolve(args['make-corpus'] ?? process.env.MPOOL_MAKE_CORPUS ?? join(sharedBench, 'make-corpus.sh')),
  pythonPeer: resolve(args['python-peer'] ?? process.env.MPOOL_PYTHON_PEER ?? join(sharedBench, 'peers/python_pool_digest.py')),
  pools: quick
    ? { rounds: runsOverride ?? 1, tasks: 20_000, latencyN: 1000, payloadN: 30, payloadTransferN: 300, startups: 3, warmup: 1000, ioTasks: 5_000, ioPerWorker: 16 }
    : { rounds: runsOverride ?? 3, tasks: 200_000, latencyN: 1000, payloadN: 1000, payloadTransferN: 2000, startups: 10, warmup: 2000, ioTasks: 20_000, ioPerWorker: 16 },
  bullmq: quick
    ? { rounds: runsOverride ?? 1, mapItems: 100_000, plainItems: 2_000, latencyN: 100, latencyWarmup: 200, tasks: 2_000, payloadN: 20 }
    : { rounds: runsOverride ?? 3, mapItems: 1_000_000, plainItems: 20_000, latencyN: 1000, latencyWarmup: 1000, tasks: 20_000, payloadN: 100 },
  hash: quick ? { runs: runsOverride ?? 2, blockMiB: 64 } : { runs: runsOverride ?? 5, blockMiB: 256 },
  digest: { runs: runsOverride ?? (quick ? 1 : 3) },
  digestStartup: { rounds: runsOverride ?? (quick ? 5 : 20) },
  openssl: quick ? { runs: 1, seconds: 1 } : { runs: 2, seconds: 3 },
};

/** Only some pools scenarios: the report goes to bench/results/raw/RESULTS-partial.md (see below). */
const partial = args.scenarios !== undefined && only.includes('pools');
if (args.scenarios !== undefined) {
  const POOL_SCENARIOS = ['latency', 'throughput', 'map', 'payload', 'io', 'startup'];
  const scenarios = args.scenarios.split(',').map((x) => x.trim()).filter(Boolean);
  const bad = scenarios.filter((x) => !POOL_SCENARIOS.includes(x));
  if (bad.length || scenarios.length === 0) {
    console.error(`unknown pools scenario(s): ${bad.join(', ') || '(none given)'} (use ${POOL_SCENARIOS.join(',')})`);
    process.exit(2);
  }
  settings.pools.scenarios = scenarios.filter((x) => x !== 'startup');
  if (!scenarios.includes('startup')) settings.pools.startups = 0;
}

const t0 = Date.now();
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s]`;
const log = (msg) => console.log(`${stamp()} ${msg}`);
const date = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const mode = quick ? 'quick' : 'full';
const rawDir = join(BENCH_DIR, 'results/raw');
mkdirSync(rawDir, { recursive: true });

const machine = machineInfo();
log(`mpool bench (${mode}): ${only.join(', ')} on ${machine.cpuModel}, ${machine.cores} cores, Node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);
if (machine.loadAverageAtStart[0] > 0.5) log('note: the machine is busy (load average above 0.5): figures will be noisy');

const results = { date, mode, settings, machine, sections: {} };
const needCorpus = only.includes('hash') || only.includes('digest') || only.includes('cache') || only.includes('io') || only.includes('fleet');
if (needCorpus || only.includes('digest-startup')) mkdirSync(settings.corpus, { recursive: true });

let openssl;
if (needCorpus) {
  log('OpenSSL single-core SHA-512 (openssl speed -evp sha512 -bytes 1048576)');
  openssl = await opensslSpeed(settings.openssl);
  openssl.at = date;
  results.sections.openssl = openssl;
  log(openssl.error ? `  ${openssl.error}` : `  ${openssl.singleCore.median.toFixed(0)} MB/s on one core`);
  log('four-lane hasher from memory (sha512-native lanesSpeedForBench), 2 processes at once');
  openssl.lanes = await lanesSpeed(settings.openssl);
  log(openssl.lanes.error ? `  ${openssl.lanes.error}` : `  ${openssl.lanes.multiCore.median.toFixed(0)} MB/s on ${openssl.lanes.cores} cores`);
}

if (only.includes('pools')) {
  log(`pools: ${settings.pools.rounds} round(s) of ${settings.pools.tasks.toLocaleString('en-US')} tasks, then ${settings.pools.startups} start-ups each`);
  const pools = await runPools({ ...settings.pools, log });
  pools.at = date;
  results.sections.pools = pools;
  for (const b of poolBars(pools)) log(`  ${b.pass === null ? 'N/A ' : b.pass ? 'PASS' : 'FAIL'} ${b.name}: ${b.detail}`);
}

if (only.includes('bullmq')) {
  const b = settings.bullmq;
  log(`bullmq: ${b.rounds} round(s): BullmqPool (map of ${b.mapItems.toLocaleString('en-US')} items, ${b.latencyN} applies, ${b.tasks.toLocaleString('en-US')} applyAsync, ${b.payloadN} × 1 MiB) vs plain BullMQ (${b.plainItems.toLocaleString('en-US')} jobs)`);
  // the pools section's p50s are printed beside BullmqPool's only when it ran in this same run
  const bullmq = await runBullmq({ ...b, log, pools: results.sections.pools });
  bullmq.at = date;
  results.sections.bullmq = bullmq;
  if (bullmq.skipped) log(`  skipped: ${bullmq.skipped}`);
  for (const bar of bullmqBars(bullmq)) log(`  ${bar.pass === null ? 'N/A ' : bar.pass ? 'PASS' : 'FAIL'} ${bar.name}: ${bar.detail}`);
}

if (only.includes('hash')) {
  log('hash: sha512-native vs node:crypto');
  const hash = await runHash({ root: settings.corpus, ...settings.hash, log });
  hash.at = date;
  results.sections.hash = hash;
}

if (only.includes('digest')) {
  log(`digest: corpora in ${settings.corpus}`);
  try {
    const { trees: all, built } = await ensureCorpora({ root: settings.corpus, quick, makeCorpus: settings.makeCorpus, log });
    const pick = args.trees ? args.trees.split(',').map((s) => s.trim()) : Object.keys(all);
    const trees = Object.fromEntries(Object.entries(all).filter(([name]) => pick.includes(name)));
    const rhashError = await ensureRhash(log);
    const tools = digestTools({ pythonPeer: settings.pythonPeer, rhashError });
    results.machine.rhash ??= machineInfo().rhash;
    const digest = { runs: settings.digest.runs, built, trees: await runDigest({ trees, tools, runs: settings.digest.runs, log }), at: date };
    results.sections.digest = digest;
  } catch (err) {
    log(`  digest section failed: ${err.message}`);
    results.sections.digest = { error: err.message, at: date, trees: {} };
  }
}

if (only.includes('cache')) {
  log(`cache: digest-tree --cache re-runs, corpora small and mixed in ${settings.corpus}`);
  try {
    const { trees } = await ensureCorpora({ root: settings.corpus, quick, makeCorpus: settings.makeCorpus, log, names: ['small', 'mixed'] });
    results.sections.cache = { runs: settings.digest.runs, ...(await runDigestCache({ trees, runs: settings.digest.runs, log })), at: date };
  } catch (err) {
    log(`  cache section failed: ${err.message}`);
    results.sections.cache = { error: err.message, at: date, trees: {} };
  }
}

if (only.includes('io')) {
  log('io: cold page cache (mixed corpus) and 200,000 empty files against a C floor');
  try {
    const { trees } = await ensureCorpora({ root: settings.corpus, quick, makeCorpus: settings.makeCorpus, log });
    const rhashError = await ensureRhash(log);
    const io = await runIo({ root: settings.corpus, mixed: trees.mixed, runs: settings.digest.runs, rhashError, log });
    io.at = date;
    results.sections.io = io;
    if (io.skipped) log(`  skipped: ${io.skipped}`);
    if (io.cold?.skipped) log(`  cold cache skipped: ${io.cold.skipped}`);
  } catch (err) {
    log(`  io section failed: ${err.message}`);
    results.sections.io = { error: err.message, at: date };
  }
}

if (only.includes('digest-startup')) {
  log(`digest-startup: digest-tree on 10 tiny files vs node -e 0 and sha512sum, ${settings.digestStartup.rounds} rounds taking turns`);
  const startup = await runStartup({ root: settings.corpus, rounds: settings.digestStartup.rounds, log });
  startup.at = date;
  results.sections['digest-startup'] = startup;
  const bar = startupBar(startup);
  log(`  ${bar.pass === null ? 'N/A ' : bar.pass ? 'PASS' : 'FAIL'} ${bar.name}: ${bar.detail}`);
}

if (only.includes('fleet')) {
  log('fleet: digest-tree --backend bullmq (2 local mpool-workers) vs --backend procs, mixed corpus');
  try {
    const { trees } = await ensureCorpora({ root: settings.corpus, quick, makeCorpus: settings.makeCorpus, log, names: ['mixed'] });
    results.sections.fleet = { ...(await runDigestFleet({ tree: trees.mixed, runs: Math.max(3, settings.digest.runs), log })), at: date };
  } catch (err) {
    log(`  fleet section failed: ${err.message}`);
    results.sections.fleet = { error: err.message, at: date };
  }
}

const minutes = (Date.now() - t0) / 60_000;
results.minutes = minutes;
const fileDate = date.replaceAll(':', '-');
writeFileSync(join(rawDir, `${fileDate}-${mode}.json`), `${JSON.stringify(results, null, 1)}\n`);
// the report merges the latest result of each section (so `--only hash` keeps the pool tables)
const latest = {};
for (const name of ['pools', 'bullmq', 'hash', 'digest', 'cache', 'io', 'digest-startup', 'fleet', 'openssl']) {
  const file = join(rawDir, `latest-${mode}-${name}.json`);
  // --trees: the corpora not run this time keep their earlier figures
  if (name === 'digest' && args.trees && results.sections.digest?.trees && existsSync(file)) {
    const before = JSON.parse(readFileSync(file, 'utf8'));
    results.sections.digest.trees = { ...before.trees, ...results.sections.digest.trees };
  }
  // A run of some pools scenarios (--scenarios) is partial: it does not replace the full figures.
  if (results.sections[name] && !(partial && name === 'pools')) writeFileSync(file, `${JSON.stringify(results.sections[name], null, 1)}\n`);
  if (existsSync(file)) latest[name] = JSON.parse(readFileSync(file, 'utf8'));
}
const pythonStartMethod = latest.pools?.peers?.python?.startMethod;
const command = `pnpm bench${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`;
const md = renderReport({ machine, meta: { date, quick, minutes, command, pythonStartMethod }, ...latest, ...(partial ? { pools: results.sections.pools } : {}) });
const reportFile = partial ? join(rawDir, 'RESULTS-partial.md') : quick ? join(rawDir, 'RESULTS-quick.md') : join(BENCH_DIR, 'RESULTS.md');
writeFileSync(reportFile, md);
log(`done in ${minutes.toFixed(1)} min: ${reportFile.slice(REPO_ROOT.length + 1)}, raw JSON in bench/results/raw/`);
