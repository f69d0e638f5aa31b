import {
  type CanActivate,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

import { rateLimitClient } from './client-address';
import { RATE_LIMIT_BUCKET, type RateLimitBucketName } from './rate-limit-bucket.decorator';
import { RateLimiter } from './rate-limiter';

// A route handler's bucket, or null where it is never limited: read from the decorators
// once per route, not on every request.
type Handler = ReturnType<ExecutionContext['getHandler']>;

/**
 * Every route counts against one bucket per client (rate-limit-bucket.decorator.ts): a 429
 * with Retry-After in whole seconds once the client used up its window. It runs before the
 * route's own guards (authentication), so a limited client costs no further work.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly buckets = new WeakMap<Handler, RateLimitBucketName | null>();

  constructor(
    private readonly limiter: RateLimiter,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const bucket = this.bucketOf(context);
    if (bucket === null) return true;
    const http = context.switchToHttp();
    const client = rateLimitClient(http.getRequest<FastifyRequest>().ip);
    return this.limiter.hit(bucket, client).then((retryAfter) => {
      if (retryAfter === 0) return true;
      void http.getResponse<FastifyReply>().header('Retry-After', retryAfter);
      throw new HttpException('Too many requests: retry later', HttpStatus.TOO_MANY_REQUESTS);
    });
  }

  private bucketOf(context: ExecutionContext): RateLimitBucketName | null {
    const handler = context.getHandler();
    let bucket = this.buckets.get(handler);
    if (bucket === undefined) {
      const marked = this.reflector.getAllAndOverride<RateLimitBucketName | null | undefined>(
        RATE_LIMIT_BUCKET,
        [handler, context.getClass()],
      );
      bucket = marked === undefined ? 'default' : marked;
      this.buckets.set(handler, bucket);
    }
    return bucket;
  }
}
