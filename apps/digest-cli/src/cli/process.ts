/**
 * Running as the real process: SIGINT/SIGTERM cancel the run (workers are terminated before
 * exit, so none is left behind); a second signal exits at once.
 */
import { InterruptedError } from '../errors.js';
import { processIo } from './io.js';
import { EXIT, main } from './main.js';

/** Runs main() with the process's streams and signal handling; resolves with the exit code. */
export async function runFromProcess(argv: string[]): Promise<number> {
  const controller = new AbortController();
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? EXIT.interrupted : EXIT.terminated);
    controller.abort(new InterruptedError(signal));
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
