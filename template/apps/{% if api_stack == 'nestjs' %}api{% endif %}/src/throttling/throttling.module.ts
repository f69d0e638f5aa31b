import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { type ExecutionContext, Module } from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import type { Redis } from 'ioredis';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { REDIS } from '../redis/redis.module';
import { ClientIpThrottlerGuard } from './client-ip-throttler.guard';
import { FailOpenThrottlerStorage } from './fail-open.storage';
import { RATE_LIMIT_BUCKET, type RateLimitBucketName } from './rate-limit-bucket.decorator';

const reflector = new Reflector();
const bucketOf = (context: ExecutionContext) =>
  reflector.getAllAndOverride<RateLimitBucketName | undefined>(RATE_LIMIT_BUCKET, [
    context.getHandler(),
    context.getClass(),
  ]);

/**
 * Rate limits counted in Redis, so every API replica shares one count per client. Each route
 * counts against one bucket: the one it is marked with by @RateLimitBucket() (`auth` or
 * `refresh`), else `default` (health and metrics skip it).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => {
        const ttl = config.RATE_LIMIT_TTL_SECONDS * 1000;
        return {
          throttlers: [
            {
              name: 'default',
              ttl,
              limit: config.RATE_LIMIT_MAX,
              skipIf: (context) => bucketOf(context) !== undefined,
            },
            {
              name: 'auth',
              ttl,
              limit: config.AUTH_RATE_LIMIT_MAX,
              skipIf: (context) => bucketOf(context) !== 'auth',
            },
            {
              name: 'refresh',
              ttl,
              limit: config.AUTH_REFRESH_RATE_LIMIT_MAX,
              skipIf: (context) => bucketOf(context) !== 'refresh',
            },
          ],
          // One subscriber, host or VM usually holds a whole IPv6 /64 and picks addresses from
          // it at will: keyed by full address, one attacker would get 2^64 buckets.
          ipv6SubnetPrefix: 64,
          storage: new FailOpenThrottlerStorage(new ThrottlerStorageRedisService(redis)),
        };
      },
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ClientIpThrottlerGuard }],
})
export class ThrottlingModule {}
