#!/usr/bin/env node
// digest-tree: parse, run, exit. Everything else, signals included, lives in cli/.
import { runFromProcess } from './cli/process.js';

void runFromProcess(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
