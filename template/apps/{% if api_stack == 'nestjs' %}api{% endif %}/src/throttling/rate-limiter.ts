import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { REDIS } from '../redis/redis.module';
import { RedisScript } from '../redis/redis-script';
import type { RateLimitBucketName } from './rate-limit-bucket.decorator';

// KEYS: the client's counter in the bucket. ARGV: the window (ms), the requests allowed in it.
// A fixed window: the first hit starts it. Returns 0 (go ahead) or the ms left in the window.
const HIT = new RedisScript(`
local hits = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
if hits > tonumber(ARGV[2]) then return left end
return 0
`);

/**
 * Requests per client and bucket, counted in Redis (one round trip, so every API replica
 * shares one count per client). An unreachable Redis turns rate limiting off for a moment
 * rather than taking the whole API down; readiness reports the outage.
 *
 * Why not @nestjs/throttler (which this replaced): its guard read about 20 pieces of route
 * metadata on every request, skipped routes included, and its Redis storage sent the whole
 * script with EVAL each time; and its block-for-a-window semantics differed from the FastAPI
 * stack's fixed window (the `limits` library), where one HTTP contract wants one behaviour.
 * This is the fixed window in one EVALSHA (docs/benchmarks.md has the figures).
 */
@Injectable()
export class RateLimiter {
  private readonly logger = new Logger('RateLimit');
  private readonly prefix: string;
  private readonly windowMs: number;
  private readonly limits: Record<RateLimitBucketName, number>;

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.prefix = `${config.APP_NAME}:rate-limit:`;
    this.windowMs = config.RATE_LIMIT_TTL_SECONDS * 1000;
    this.limits = {
      default: config.RATE_LIMIT_MAX,
      auth: config.AUTH_RATE_LIMIT_MAX,
      refresh: config.AUTH_REFRESH_RATE_LIMIT_MAX,
    };
  }

  /** Counts a request: 0 when it may go ahead, else the whole seconds until it may retry. */
  async hit(bucket: RateLimitBucketName, client: string): Promise<number> {
    try {
      const key = `${this.prefix}${bucket}:${client}`;
      const left = await HIT.run(this.redis, [key], [this.windowMs, this.limits[bucket]]);
      return Number(left) > 0 ? Math.max(1, Math.ceil(Number(left) / 1000)) : 0;
    } catch (error) {
      this.logger.warn(
        `rate limit storage failed, request allowed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return 0;
    }
  }
}
