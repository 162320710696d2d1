// Task module of the bullmq section, served by the section's mpool-workers: it lives under their
// --root (the bench folder), the only place they import task modules from.
export function square(x) {
  return x * x;
}
export function add(a, b) {
  return a + b;
}
export function echo(buf) {
  return buf;
}
