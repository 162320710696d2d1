import { defineTasks } from '@mpool/pool-threads';

export const { sqr, slowSqr } = defineTasks(import.meta.url, {
  sqr: (x) => x * x,
  async slowSqr(x) {
    await new Promise((resolve) => setTimeout(resolve, x * 20));
    return `${x}^2 = ${x * x}`;
  },
});
