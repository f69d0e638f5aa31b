import { SetMetadata } from '@nestjs/common';

export const RATE_LIMIT_BUCKET = 'rate-limit:bucket';

/**
 * The per-client bucket a route counts against:
 * - `default`: RATE_LIMIT_MAX per window, every route not marked otherwise;
 * - `auth`: AUTH_RATE_LIMIT_MAX per window (login, register): guessing passwords stays slow;
 * - `refresh`: AUTH_REFRESH_RATE_LIMIT_MAX per window (refresh, logout): generous, and apart
 *   from `auth`, so the logins of an office behind one NAT address never block its sessions.
 * On a controller it applies to every route; on a method it overrides the controller's.
 */
export type RateLimitBucketName = 'default' | 'auth' | 'refresh';

export const RateLimitBucket = (bucket: Exclude<RateLimitBucketName, 'default'>) =>
  SetMetadata(RATE_LIMIT_BUCKET, bucket);

/** Routes that are never limited: probes and scrapes (health, metrics). */
export const SkipRateLimit = () => SetMetadata(RATE_LIMIT_BUCKET, null);
