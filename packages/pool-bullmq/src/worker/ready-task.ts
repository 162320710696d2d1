/**
 * The task a fleet worker runs to start a dedicated slot's process: the process runs the pool's
 * initializer before any task, so this answering means the initializer is done.
 */
import { defineTasks } from '@mpool/pool-core';

export const { ready } = defineTasks(import.meta.url, { ready: () => true });
