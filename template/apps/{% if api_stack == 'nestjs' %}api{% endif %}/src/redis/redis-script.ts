import { createHash } from 'node:crypto';

import type { Redis } from 'ioredis';

type Argument = string | number;

/**
 * A Lua script run by its SHA1 (EVALSHA): the script's text crosses the wire only the first
 * time after Redis starts (or flushes its scripts), when EVALSHA answers NOSCRIPT.
 */
export class RedisScript {
  private readonly sha: string;

  constructor(private readonly source: string) {
    this.sha = createHash('sha1').update(source).digest('hex');
  }

  async run(redis: Redis, keys: string[], args: Argument[] = []): Promise<unknown> {
    try {
      return await redis.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      return redis.eval(this.source, keys.length, ...keys, ...args);
    }
  }
}
