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
import { STRICT_RATE_LIMIT } from './strict-rate-limit.decorator';

const reflector = new Reflector();
const isStrict = (context: ExecutionContext) =>
  reflector.getAllAndOverride<boolean | undefined>(STRICT_RATE_LIMIT, [
    context.getHandler(),
    context.getClass(),
  ]) === true;

/**
 * Rate limits counted in Redis, so every API replica shares one count per client:
 * `default` for every route (health and metrics skip it), `auth` on top for routes marked
 * @StrictRateLimit().
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => {
        const ttl = config.RATE_LIMIT_TTL_SECONDS * 1000;
        return {
          throttlers: [
            { name: 'default', ttl, limit: config.RATE_LIMIT_MAX },
            {
              name: 'auth',
              ttl,
              limit: config.AUTH_RATE_LIMIT_MAX,
              skipIf: (context) => !isStrict(context),
            },
          ],
          storage: new FailOpenThrottlerStorage(new ThrottlerStorageRedisService(redis)),
        };
      },
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ClientIpThrottlerGuard }],
})
export class ThrottlingModule {}
