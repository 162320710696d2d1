import { Pool, type AnyFn, type PoolOptions } from '@mpool/pool-core';
import { ProcessTransport, type ProcessTransportOptions } from './process-transport.js';

/** Options of {@link ProcessPool}: the common pool options plus the processes-only ones. */
export type ProcessPoolOptions<Init extends AnyFn = AnyFn> = PoolOptions<Init> & ProcessTransportOptions;

/** The processes-only option names (an unknown name throws, see Pool). */
const PROCESS_OPTION_NAMES = ['execArgv', 'env', 'cwd', 'stdio', 'orphanWatchdog'];

/**
 * A pool of child processes (`child_process.fork`). Pick it over `ThreadPool` when a task needs
 * its own process: native addons that are not thread-safe, code that calls `process.exit`,
 * `process.chdir` or changes globals, memory isolation, or a hard kill. Children's output is
 * forwarded line by line (see {@link ProcessTransportOptions.stdio}); children never outlive the
 * parent (see the package README for what is guaranteed).
 * `Init` is inferred from `initializer`, so `initargs` is type-checked against it.
 * @throws RangeError if `processes` or `maxTasksPerChild` is not an integer >= 1.
 * @throws TypeError if a processes-only option has the wrong type, or for an unknown option name.
 */
export class ProcessPool<Init extends AnyFn = AnyFn> extends Pool<Init> {
  readonly #transport: ProcessTransport;

  constructor(options: ProcessPoolOptions<Init> = {} as ProcessPoolOptions<Init>) {
    const { execArgv, env, cwd, stdio, orphanWatchdog } = options ?? {}; // null: Pool's check names the problem
    const transport = new ProcessTransport({ execArgv, env, cwd, stdio, orphanWatchdog });
    super(transport, options, PROCESS_OPTION_NAMES);
    this.#transport = transport;
  }

  /** Pids of the worker processes running now (started and not yet exited), e.g. for monitoring. */
  get pids(): number[] {
    return this.#transport.pids;
  }
}
