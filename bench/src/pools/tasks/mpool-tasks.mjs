// Task module of the mpool pools (ThreadPool and ProcessPool): plain exports, named with taskRef.
export function add(a, b) {
  return a + b;
}
export function inc(x) {
  return x + 1;
}
export function echo(buf) {
  return buf;
}
/** I/O-bound: awaits a 1 ms timer (the concurrentTasksPerWorker scenario). */
export async function wait1() {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return 1;
}
