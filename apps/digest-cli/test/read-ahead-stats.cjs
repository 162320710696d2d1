'use strict';
// Loaded with --require by cold.test.ts: prints the native read-ahead counters (one set per
// process, shared by its worker threads) on stderr when the process exits.
const native = require('@mpool/sha512-native');
if (require('node:worker_threads').isMainThread) {
  process.on('exit', () => process.stderr.write(`read-ahead stats: ${JSON.stringify(native.readAheadStats())}\n`));
}
