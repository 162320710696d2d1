#!/usr/bin/env node
// digest-tree: parse, run, exit. Everything else, signals included, lives in cli/.
import { runFromProcess } from './cli/process.js';

/**
 * How long the process may outlive its run. When the run is over (output written with
 * writeSync, the pool joined, the cache renamed into place), a library's left-over timer must not
 * hold the process: ioredis's reply parser (redis-parser) shrinks the buffer that a big reply
 * grew on a ref'd 50 ms interval, and a fleet run (`--backend bullmq`) of a 4,000-file directory
 * exited 1.35 s after its last line (measured). The timer is unref'd: a process with nothing left
 * exits at once, as before; this one only ends a wait for nothing, after giving a stream's
 * pending writes (a progress bar's last line) time to flush.
 */
const LINGER_MS = 25;

void runFromProcess(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
  setTimeout(() => process.exit(code), LINGER_MS).unref();
});
