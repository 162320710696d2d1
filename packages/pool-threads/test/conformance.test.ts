import { runConformanceSuite } from '@mpool/pool-core/testing';
import { createPool } from './factory.js';

runConformanceSuite({
  name: 'threads',
  detachesMoved: true,
  createPool,
  factoryModule: new URL('./factory.ts', import.meta.url).href,
  builtFactoryModule: new URL('./built-factory.mjs', import.meta.url).href,
});
