import { type ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerException, ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyReply } from 'fastify';

/**
 * Rate limits per client. The client is ThrottlerGuard's own tracker: Fastify's request.ip
 * (from the socket, or from X-Forwarded-For across TRUST_PROXY hops, so clients cannot pick
 * their own address), an IPv4-mapped address as IPv4, an IPv6 address as its /64
 * (`ipv6SubnetPrefix` in throttling.module.ts).
 */
@Injectable()
export class ClientIpThrottlerGuard extends ThrottlerGuard {
  /**
   * One count per client and bucket, across routes (ThrottlerGuard's own key also names the
   * route): login and register share the `auth` bucket, refresh and logout the `refresh`
   * one, every other route the `default` one.
   */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string) {
    return `${name}:${tracker}`;
  }

  /** 429 with Retry-After in whole seconds (at least 1), whichever limit was hit. */
  protected override throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    const retryAfter = Math.max(1, Math.ceil(detail.timeToBlockExpire));
    void context.switchToHttp().getResponse<FastifyReply>().header('Retry-After', retryAfter);
    throw new ThrottlerException('Too many requests: retry later');
  }
}
