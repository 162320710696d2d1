// Read floor without process spawns: `node read-floor.mjs DIR [WORKERS]` lists the regular files
// (not following symlinks, like `find -type f`), then WORKERS threads read every file with
// openSync/readSync into a reused 1 MiB buffer (no hashing). Prints the number of files read.
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

if (isMainThread) {
  const [dir, workersArg = '2'] = process.argv.slice(2);
  const files = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop();
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) stack.push(join(d, e.name));
      else if (e.isFile()) files.push(join(d, e.name));
    }
  }
  const k = Math.max(1, Number(workersArg));
  const parts = Array.from({ length: k }, (_, i) => files.filter((_, j) => j % k === i));
  const counts = await Promise.all(
    parts.map(
      (part) =>
        new Promise((resolve, reject) => {
          const w = new Worker(new URL(import.meta.url), { workerData: part });
          w.once('message', resolve);
          w.once('error', reject);
        }),
    ),
  );
  console.log(counts.reduce((a, b) => a + b, 0));
} else {
  const buf = Buffer.allocUnsafe(1 << 20);
  let n = 0;
  for (const p of workerData) {
    const fd = openSync(p, 'r');
    while (readSync(fd, buf, 0, buf.length, null) > 0);
    closeSync(fd);
    n++;
  }
  parentPort.postMessage(n);
}
