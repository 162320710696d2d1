/** A task module whose import fails (fixture for "while importing <module>" messages). */
import { defineTasks } from '@mpool/pool-core';

export const { neverRuns } = defineTasks(import.meta.url, { neverRuns: () => 0 });

// Top-level code that fails, as a module with a broken import or bad configuration would.
if (!(globalThis as { mpoolTestImportsOk?: boolean }).mpoolTestImportsOk) {
  throw new RangeError('configuration missing: MPOOL_TEST_CONFIG is not set');
}
