import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { REDIS } from '../redis/redis.module';
import { RedisScript } from '../redis/redis-script';

// KEYS: a generation counter. ARGV: the document key before and after the generation.
// Returns the generation (0 when unset) and the document under it, in one round trip. The
// document key is derived inside the script, so it is not in KEYS: fine on one Redis server
// (this app's), not on a Redis Cluster.
const READ_GENERATION_AND_DOCUMENT = new RedisScript(`
local generation = redis.call('GET', KEYS[1]) or '0'
return {generation, redis.call('GET', ARGV[1] .. generation .. ARGV[2])}
`);

/**
 * A small JSON cache in Redis. A cache must never take requests down with it: when Redis
 * fails, reads fall through to the loader and writes are skipped (logged once per call).
 */
@Injectable()
export class CacheService {
  private readonly logger = new Logger('Cache');
  private readonly prefix: string;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.prefix = `${config.APP_NAME}:cache:`;
  }

  /** The cached value of `key`, or `load()`'s result, cached for `ttlSeconds`. */
  async remember<T>(key: string, ttlSeconds: number, load: () => Promise<T>): Promise<T> {
    const cached = await this.attempt(() => this.redis.get(this.prefix + key));
    if (typeof cached === 'string') return JSON.parse(cached) as T;
    const value = await load();
    if (value !== undefined) {
      await this.attempt(() =>
        this.redis.set(this.prefix + key, JSON.stringify(value), 'EX', ttlSeconds),
      );
    }
    return value;
  }

  /**
   * A JSON document kept under the current value of a generation counter (`bump` it to
   * forget every document of that generation at once): the document at
   * `${before}${generation}${after}` as cached, text never parsed, or `load()`'s result,
   * stored under the generation read before loading, so a write in between (which bumps the
   * counter) can never leave a stale document behind.
   */
  async rememberInGeneration(
    generationKey: string,
    [before, after]: [string, string],
    ttlSeconds: number,
    load: () => Promise<string>,
  ): Promise<string> {
    const found = await this.attempt(
      () =>
        READ_GENERATION_AND_DOCUMENT.run(
          this.redis,
          [this.prefix + generationKey],
          [this.prefix + before, after],
        ) as Promise<[string, string | null]>,
    );
    if (found === undefined) return load();
    const [generation, cached] = found;
    if (typeof cached === 'string') return cached;
    const document = await load();
    await this.attempt(() =>
      this.redis.set(this.prefix + before + generation + after, document, 'EX', ttlSeconds),
    );
    return document;
  }

  async bump(key: string): Promise<void> {
    await this.attempt(() => this.redis.incr(this.prefix + key));
  }

  async forget(key: string): Promise<void> {
    await this.attempt(() => this.redis.del(this.prefix + key));
  }

  private async attempt<T>(command: () => Promise<T>): Promise<T | undefined> {
    try {
      return await command();
    } catch (error) {
      this.logger.warn(`cache bypassed: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
}
