/** entry-script.ts with the README's second guard: the main code runs only when this file is the main module. */
import { pathToFileURL } from 'node:url';
import { defineTasks } from '@mpool/pool-core';
import { runMain } from './entry-main.js';

export const { double } = defineTasks(import.meta.url, { double: (x: number) => 2 * x });

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await runMain(double);
