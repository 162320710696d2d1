import { runConformanceSuite } from '@mpool/pool-core/testing';
import { createPool } from './factory.js';

// Against the fleet of two mpool-workers that global-setup.ts starts.
runConformanceSuite({
  name: 'bullmq',
  createPool,
  factoryModule: new URL('./factory.ts', import.meta.url).href,
  builtFactoryModule: new URL('./built-factory.mjs', import.meta.url).href,
});
