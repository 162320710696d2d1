/**
 * Waits for `promise` (its failure ignored) at most `ms`, holding the process alive meanwhile;
 * resolves `true` if it settled in time. The timer is cleared as soon as the promise settles, so a
 * script whose pool closed in 5 ms exits then, not `ms` later (a plain race against a held sleep
 * kept every caller alive 1 s).
 */
export async function within(ms: number, promise: Promise<unknown> | undefined): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([Promise.resolve(promise).then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
