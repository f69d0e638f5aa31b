import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { REDIS } from '../redis/redis.module';

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

  /** Current value of a counter (0 when unset), or undefined when Redis is unavailable. */
  async counter(key: string): Promise<number | undefined> {
    const value = await this.attempt(() => this.redis.get(this.prefix + key));
    return value === undefined ? undefined : Number(value ?? 0);
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
