/** Reading why a child died from its stderr: the parsing alone, on the reports Node 20 prints. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { crashCause, STDERR_TAIL_BYTES, StderrTail } from '../src/stderr-tail.js';

const UNCAUGHT = `file:///app/tasks.js:3
    throw new TypeError('bad input');
    ^

TypeError: bad input
    at Timeout._onTimeout (file:///app/tasks.js:3:11)
    at listOnTimeout (node:internal/timers:581:17)

Node.js v20.20.2
`;
const THROWN_STRING = `node:internal/process/esm_loader:40
      internalBinding('errors').triggerUncaughtException(
                                ^
just a string
(Use \`node --trace-uncaught ...\` to show where the exception was thrown)

Node.js v20.20.2
`;
const OOM = `
<--- Last few GCs --->
[1234:0x5f]     1200 ms: Mark-Compact 30.1 (33.0) -> 29.9 (33.2) MB, 80.2 / 0.0 ms  (average mu = 0.2) allocation failure

<--- JS stacktrace --->

FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory
----- Native stack trace -----

 1: 0xb8ced1 node::OOMErrorHandler(char const*, v8::OOMDetails const&) [node]
`;

describe('crashCause', () => {
  it('an uncaught exception: its Name: message line', () => {
    const cause = crashCause(`some log line\n${UNCAUGHT}`)!;
    expect(cause.message).toBe('TypeError: bad input');
    expect(cause.stderr).toContain('some log line');
    expect(cause.code).toBeUndefined();
  });

  it('a thrown non-error: the value Node printed', () => {
    expect(crashCause(THROWN_STRING)!.message).toBe('just a string');
  });

  it('out of memory: the V8 fatal line, coded ERR_WORKER_OUT_OF_MEMORY', () => {
    const cause = crashCause(OOM)!;
    expect(cause.message).toBe('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory');
    expect(cause.code).toBe('ERR_WORKER_OUT_OF_MEMORY');
  });

  it("a child that cannot start: Node's command-line error", () => {
    expect(crashCause('/usr/local/bin/node: bad option: --nope\n')!.message).toBe('/usr/local/bin/node: bad option: --nope');
  });

  it('no crash report (process.exit, a kill, ordinary logging): no cause', () => {
    expect(crashCause('')).toBeUndefined();
    expect(crashCause('Error: something the task logged and handled\nmore output\n')).toBeUndefined();
  });
});

describe('StderrTail', () => {
  it('keeps the last bytes only, however much is written', async () => {
    const stream = new PassThrough();
    const tail = new StderrTail(stream);
    for (let i = 0; i < 10_000; i++) stream.write(`line ${i}\n`);
    await new Promise((resolve) => setImmediate(resolve));
    const text = tail.text();
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(STDERR_TAIL_BYTES);
    expect(Buffer.byteLength(text)).toBeGreaterThan(STDERR_TAIL_BYTES - 20);
    expect(text.endsWith('line 9999\n')).toBe(true);
  });
});
