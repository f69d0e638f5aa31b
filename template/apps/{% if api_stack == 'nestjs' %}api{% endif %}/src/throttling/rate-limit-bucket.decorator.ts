import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_BUCKET = 'rate-limit:bucket';

/**
 * The extra per-client bucket a route counts against, on top of the `default` one:
 * - `auth`: AUTH_RATE_LIMIT_MAX per window (login, register): guessing passwords stays slow;
 * - `refresh`: AUTH_REFRESH_RATE_LIMIT_MAX per window (refresh, logout): generous, and apart
 *   from `auth`, so the logins of an office behind one NAT address never block its sessions.
 * On a controller it applies to every route; on a method it overrides the controller's.
 */
export type RateLimitBucketName = 'auth' | 'refresh';

export const RateLimitBucket = (bucket: RateLimitBucketName) =>
  SetMetadata(RATE_LIMIT_BUCKET, bucket);
