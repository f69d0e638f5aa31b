import { SetMetadata } from '@nestjs/common';

export const STRICT_RATE_LIMIT = 'rate-limit:strict';

/**
 * Routes of a controller marked with this also count against the stricter `auth` limit
 * (AUTH_RATE_LIMIT_MAX per window and client IP): guessing passwords stays slow.
 */
export const StrictRateLimit = () => SetMetadata(STRICT_RATE_LIMIT, true);
