import { describe, expect, it } from 'vitest';
import { Deque } from '../src/deque.js';

describe('Deque', () => {
  it('is FIFO across compactions, and unshiftAll puts items back in order', () => {
    const q = new Deque<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    for (let i = 0; i < 3000; i++) expect(q.shift()).toBe(i);
    expect(q.length).toBe(2000);
    q.unshiftAll([-2, -1]);
    expect(q.peek()).toBe(-2);
    expect([...q].slice(0, 3)).toEqual([-2, -1, 3000]);
    expect(q.drain()).toHaveLength(2002);
    expect(q.shift()).toBeUndefined();
  });
});
