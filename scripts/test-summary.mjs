#!/usr/bin/env node
// Reads vitest's JSON report (written when MPOOL_TEST_REPORT is set) and prints the one closing
// line CI reads: "N passed, N failed[, N skipped]". A test file that failed to load counts as one
// failure; optional 2nd and 3rd arguments add checks run outside vitest (passed, failed).
// Exits 1 if anything failed or no test ran.
import { existsSync, readFileSync } from 'node:fs';

const [file, extraPassed = '0', extraFailed = '0'] = process.argv.slice(2);
if (!file || !existsSync(file)) {
  console.error(`test-summary: no report at ${file ?? '(none given)'}: the test run did not finish`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = (report.numPassedTests ?? 0) + Number(extraPassed);
let failed = (report.numFailedTests ?? 0) + Number(extraFailed);
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
for (const suite of report.testResults ?? []) {
  if (suite.status === 'failed' && (suite.assertionResults ?? []).every((t) => t.status !== 'failed')) {
    failed += 1;
    console.error(`test-summary: ${suite.name} failed outside any test: ${String(suite.message ?? '').split('\n')[0]}`);
  }
}
// Which backend each conformance run used (the suite puts `[backend: NAME]` in its title).
const backends = new Map();
for (const suite of report.testResults ?? []) {
  for (const test of suite.assertionResults ?? []) {
    const name = (test.ancestorTitles ?? []).join(' ').match(/\[backend: ([^\]]+)\]/)?.[1];
    if (!name) continue;
    const counts = backends.get(name) ?? { passed: 0, failed: 0 };
    counts[test.status === 'passed' ? 'passed' : 'failed']++;
    backends.set(name, counts);
  }
}
for (const [name, counts] of backends) console.log(`backend ${name}: ${counts.passed} passed, ${counts.failed} not passed`);
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || (report.numPassedTests ?? 0) === 0 ? 1 : 0);
