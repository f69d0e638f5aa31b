import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';

type Increment = ThrottlerStorage['increment'];

/**
 * Counts hits in the wrapped storage (Redis), but lets requests through when that storage
 * fails: an unreachable Redis turns rate limiting off for a moment rather than taking the
 * whole API down. Readiness reports the outage.
 */
export class FailOpenThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('RateLimit');

  constructor(private readonly storage: ThrottlerStorage) {}

  async increment(...args: Parameters<Increment>): ReturnType<Increment> {
    try {
      return await this.storage.increment(...args);
    } catch (error) {
      this.logger.warn(
        `rate limit storage failed, request allowed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
