import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';

/** Injection token of the shared ioredis client (rate limits, cache, readiness). */
export const REDIS = Symbol('REDIS');

/**
 * One Redis connection per process. Commands fail at once while Redis is unreachable
 * (no offline queue) instead of piling up and stalling requests; ioredis keeps
 * reconnecting in the background, so everything recovers without a restart.
 */
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig) => {
        const logger = new Logger('Redis');
        const redis = new Redis(config.REDIS_URL, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2_000,
          commandTimeout: 2_000,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
        });
        let reported = false;
        redis.on('error', (error: Error) => {
          // ioredis emits an error per failed reconnect: report the outage once.
          if (!reported) logger.warn(`Redis unavailable: ${error.message}`);
          reported = true;
        });
        redis.on('ready', () => {
          if (reported) logger.log('Redis connection restored');
          reported = false;
        });
        // Give the first connection a moment, so the first requests find Redis ready; boot
        // goes on without it (readiness says so) rather than crash-looping.
        await Promise.race([
          new Promise((resolve) => redis.once('ready', resolve)),
          new Promise((resolve) => setTimeout(resolve, 2_000).unref()),
        ]);
        return redis;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'ready') {
      await this.redis.quit();
    } else {
      this.redis.disconnect();
    }
  }
}
