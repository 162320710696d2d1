import { availableParallelism } from 'node:os';

/** The number of CPUs this process may use (Python's `os.cpu_count()`), the default pool size. */
export function cpuCount(): number {
  return availableParallelism();
}
