// The machine's limits: OpenSSL's single-core SHA-512 speed on 1 MiB blocks (×2 cores = the
// compute limit every digest tool is compared with).
import { run } from './proc.mjs';
import { summarize } from './stats.mjs';

/** `openssl speed -evp sha512 -bytes 1048576 -seconds S`, `runs` times: MB/s (10^6 B/s) on one core. */
export async function opensslSpeed({ runs = 2, seconds = 3 } = {}) {
  const vals = [];
  let error;
  for (let i = 0; i < runs; i++) {
    const r = await run('openssl', ['speed', '-evp', 'sha512', '-bytes', '1048576', '-seconds', String(seconds)], { timeoutMs: 60_000 }).catch((e) => ({ code: -1, stderr: String(e), stdout: '' }));
    // the result line: "sha512   <n>k" (1000s of bytes per second)
    const m = r.stdout.match(/^sha512\s+([\d.]+)k\s*$/m);
    if (r.code !== 0 || !m) {
      error = `openssl speed failed: ${r.stderr.trim().split('\n').pop()}`;
      continue;
    }
    vals.push(Number(m[1]) / 1000);
  }
  return { singleCore: summarize(vals), error };
}

/**
 * The four-lane hasher's speed from memory (sha512-native's `lanesSpeedForBench`: four buffers
 * of 4 MiB hashed over and over, no file, no copy), on `cores` processes at once, `runs` times:
 * MB/s summed over the processes. The limit for big files, which the four-lane code hashes.
 */
export async function lanesSpeed({ runs = 2, seconds = 2, cores = 2 } = {}) {
  const { join } = await import('node:path');
  const { REPO_ROOT } = await import('./workspace.mjs');
  const binding = join(REPO_ROOT, 'packages/sha512-native/binding.js');
  const script = `process.stdout.write(String(require(${JSON.stringify(binding)}).lanesSpeedForBench(4, ${seconds})))`;
  const vals = [];
  let error;
  for (let i = 0; i < runs; i++) {
    const all = await Promise.all(Array.from({ length: cores }, () => run(process.execPath, ['-e', script], { timeoutMs: 60_000 })));
    const bad = all.find((r) => r.code !== 0 || !(Number(r.stdout) > 0));
    if (bad) {
      error = `lanesSpeedForBench failed: ${bad.stderr.trim().split('\n').pop() || `printed ${bad.stdout}`}`;
      continue;
    }
    vals.push(all.reduce((sum, r) => sum + Number(r.stdout), 0));
  }
  return { cores, multiCore: summarize(vals), error };
}
