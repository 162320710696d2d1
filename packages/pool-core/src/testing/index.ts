/**
 * The conformance suite: one set of tests that every backend runs unchanged (as CPython runs
 * `_TestPool` with processes and with threads). A backend's test file is two lines:
 *
 * ```ts
 * import { runConformanceSuite } from '@mpool/pool-core/testing';
 * runConformanceSuite({ name: 'threads', createPool: (o) => new ThreadPool(o), factoryModule: new URL('./factory.ts', import.meta.url).href });
 * ```
 */
import { describe } from 'vitest';
import { registerResultTests } from './results.suite.js';
import { registerFailureTests } from './failures.suite.js';
import { registerLifecycleTests } from './lifecycle.suite.js';
import { registerResourceTests } from './resources.suite.js';
import { registerDispatchTests } from './dispatch.suite.js';
import { registerTaskModuleTests } from './task-modules.suite.js';
import { registerTypeScriptTests } from './typescript.suite.js';
import { registerWireTests } from './wire.suite.js';
import { registerErrorDetailTests } from './error-detail.suite.js';
import { registerStatsTests } from './stats.suite.js';
import { registerElasticTests } from './elastic.suite.js';
import { registerBackPressureTests } from './back-pressure.suite.js';
import { registerConcurrencyTests } from './concurrency.suite.js';
import { registerTransferTests } from './transfer.suite.js';
import { registerWorkerLoopTests } from './worker-loop.suite.js';
import type { ConformanceTarget } from './target.js';

export type { ConformanceTarget } from './target.js';

/** Registers every conformance test for `target` under a `describe` named after the backend. */
export function runConformanceSuite(target: ConformanceTarget): void {
  describe(`pool conformance [backend: ${target.name}]`, () => {
    registerResultTests(target);
    registerFailureTests(target);
    registerLifecycleTests(target);
    registerResourceTests(target);
    registerDispatchTests(target);
    registerTaskModuleTests(target);
    registerTypeScriptTests(target);
    registerWireTests(target);
    registerErrorDetailTests(target);
    registerStatsTests(target);
    registerElasticTests(target);
    registerBackPressureTests(target);
    registerConcurrencyTests(target);
    registerTransferTests(target);
    registerWorkerLoopTests(target);
  });
}
