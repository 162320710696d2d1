// Reference, not a peer: two raw worker_threads, round-robin postMessage, a Map of pending promises.
// The floor of any worker_threads pool's per-task cost on this machine.
import { Worker } from 'node:worker_threads';
import { drive } from './driver.mjs';

const file = new URL('./tasks/bare-worker.mjs', import.meta.url);

await drive({
  name: 'bare-threads',
  load: async () => ({}),
  create: async (_lib, workers) => {
    const pending = new Map();
    const ws = Array.from({ length: workers }, () => {
      const w = new Worker(file);
      w.on('message', (m) => {
        const resolve = pending.get(m[0]);
        pending.delete(m[0]);
        resolve(m[1]);
      });
      return w;
    });
    return { ws, pending, next: 0, id: 0 };
  },
  call: (p, a, b) =>
    new Promise((resolve) => {
      const id = p.id++;
      p.pending.set(id, resolve);
      p.ws[p.next++ % p.ws.length].postMessage([id, a, b]);
    }),
  destroy: async (p) => {
    await Promise.all(p.ws.map((w) => w.terminate()));
  },
});
