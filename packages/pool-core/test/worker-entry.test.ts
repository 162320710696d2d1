import { describe, expect, it } from 'vitest';
import { siblingWorkerEntry } from '../src/index.js';

describe('siblingWorkerEntry', () => {
  it('picks worker.js, worker.cjs or worker.ts next to the calling module, by its extension', () => {
    expect(siblingWorkerEntry('file:///p/dist/index.js')).toEqual({ url: new URL('file:///p/dist/worker.js'), fromSource: false });
    expect(siblingWorkerEntry('file:///p/dist/index.cjs')).toEqual({ url: new URL('file:///p/dist/worker.cjs'), fromSource: false });
    expect(siblingWorkerEntry('file:///p/src/thread-transport.ts')).toEqual({ url: new URL('file:///p/src/worker.ts'), fromSource: true });
    expect(siblingWorkerEntry('file:///p/src/x.mts').fromSource).toBe(true);
  });
});
