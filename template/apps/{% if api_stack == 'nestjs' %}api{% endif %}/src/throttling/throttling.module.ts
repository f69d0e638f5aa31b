import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';

import { RateLimitGuard } from './rate-limit.guard';
import { RateLimiter } from './rate-limiter';

/**
 * Rate limits per client, counted in Redis, on every route: each counts against the bucket
 * it is marked with by @RateLimitBucket() (`auth` or `refresh`), else `default`; health and
 * metrics (@SkipRateLimit()) against none.
 */
@Module({
  providers: [RateLimiter, { provide: APP_GUARD, useClass: RateLimitGuard }],
})
export class ThrottlingModule {}
