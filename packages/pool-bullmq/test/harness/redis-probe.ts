/** Looks into the test Redis: keys, jobs and connections of a pool, memory. */
import { Redis } from 'ioredis';

export class RedisProbe {
  readonly client: Redis;
  constructor(url: string) {
    this.client = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false, retryStrategy: () => 200 });
    this.client.on('error', () => undefined);
  }

  /** Keys matching `pattern` (SCAN). */
  async keys(pattern: string): Promise<string[]> {
    const out: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      out.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return out;
  }

  /** Ids of the jobs of `queue` in the states that still wait for or hold a worker. */
  async pendingJobIds(queue: string, prefix = 'bull'): Promise<string[]> {
    const base = `${prefix}:${queue}`;
    const [wait, active, prioritized, delayed] = await Promise.all([
      this.client.lrange(`${base}:wait`, 0, -1),
      this.client.lrange(`${base}:active`, 0, -1),
      this.client.zrange(`${base}:prioritized`, 0, -1),
      this.client.zrange(`${base}:delayed`, 0, -1),
    ]);
    return [...wait, ...active, ...prioritized, ...delayed];
  }

  /** Names of the client connections Redis has now. */
  async connectionNames(): Promise<string[]> {
    const list = (await this.client.client('LIST')) as string;
    return list
      .split('\n')
      .map((line) => /name=(\S*)/.exec(line)?.[1] ?? '')
      .filter(Boolean);
  }

  async usedMemory(): Promise<number> {
    const info = await this.client.info('memory');
    return Number(/used_memory:(\d+)/.exec(info)![1]);
  }

  close(): void {
    this.client.disconnect();
  }
}
