// Task module of the mpool pools (ThreadPool and ProcessPool): plain exports, named with taskRef.
import { move } from '@mpool/pool-core';

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
/** Returns the buffer it was given, moved back (the caller moved it here with move()). */
export function echoMove(buf) {
  return move(buf);
}
