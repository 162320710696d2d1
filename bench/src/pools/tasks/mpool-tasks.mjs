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
