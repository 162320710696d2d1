/** entry-script.ts with the README's first guard: the main code runs only outside pool workers. */
import { defineTasks, isPoolWorker } from '@mpool/pool-core';
import { runMain } from './entry-main.js';

export const { double } = defineTasks(import.meta.url, { double: (x: number) => 2 * x });

if (!isPoolWorker()) await runMain(double);
