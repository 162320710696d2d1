/**
 * Running as the real process: SIGINT/SIGTERM cancel the run (workers are terminated before
 * exit, so none is left behind); a second signal exits at once.
 */
// A worker thread inside one long native call (a huge file) cannot stop before it returns; the
// process exiting ends it all the same, so do not make the user wait longer than this.
const FORCE_EXIT_MS = 5000;

import { InterruptedError } from '../errors.js';
import { processIo } from './io.js';
import { EXIT, main } from './main.js';

/** Runs main() with the process's streams and signal handling; resolves with the exit code. */
export async function runFromProcess(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    const code = signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated;
    if (controller.signal.aborted) process.exit(code);
    controller.abort(new InterruptedError(signal));
    setTimeout(() => process.exit(code), FORCE_EXIT_MS).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await main(argv, processIo(controller.signal));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
