// Worker file of piscina: one named export per task (run(task, { name })).
import { move } from 'piscina';

export function add(p) {
  return p[0] + p[1];
}
export function echo(buf) {
  return buf;
}
export function echoMove(buf) {
  return move(buf);
}
/** I/O-bound: awaits a 1 ms timer (the concurrentTasksPerWorker scenario). */
export async function wait1() {
  await new Promise((resolve) => setTimeout(resolve, 1));
  return 1;
}
