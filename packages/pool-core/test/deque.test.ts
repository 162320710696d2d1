import { describe, expect, it } from 'vitest';
import { Deque } from '../src/deque.js';

describe('Deque', () => {
  it('is FIFO across compactions', () => {
    const q = new Deque<number>();
    for (let i = 0; i < 5000; i++) q.push(i);
    for (let i = 0; i < 3000; i++) expect(q.shift()).toBe(i);
    expect(q.length).toBe(2000);
    expect(q.peek()).toBe(3000);
    expect([...q].slice(0, 3)).toEqual([3000, 3001, 3002]);
    expect(q.drain()).toHaveLength(2000);
    expect(q.shift()).toBeUndefined();
  });
});
