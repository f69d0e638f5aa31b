import {
  type CallHandler,
  type ExecutionContext,
  HttpException,
  HttpStatus,
  Injectable,
  type NestInterceptor,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { catchError, mergeMap, type Observable } from 'rxjs';

import { LoginBackoff } from './login-backoff';

export const TOO_MANY_FAILURES = 'Too many failed logins for this e-mail address: retry later';

/**
 * The login backoff (login-backoff.ts) around POST /auth/login: before the handler, the same
 * for every e-mail, registered or not; then a 401 restarts a lock, a success clears the count.
 */
@Injectable()
export class LoginBackoffInterceptor implements NestInterceptor {
  constructor(private readonly backoff: LoginBackoff) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const http = context.switchToHttp();
    const { email } = (http.getRequest<FastifyRequest>().body ?? {}) as { email?: unknown };
    // Without an e-mail the body fails validation (400): there is no account to count for.
    if (typeof email !== 'string') return next.handle();
    const retryAfter = await this.backoff.admit(email);
    if (retryAfter > 0) {
      void http.getResponse<FastifyReply>().header('Retry-After', retryAfter);
      throw new HttpException(TOO_MANY_FAILURES, HttpStatus.TOO_MANY_REQUESTS);
    }
    return next.handle().pipe(
      mergeMap(async (tokens: unknown) => {
        await this.backoff.reset(email);
        return tokens;
      }),
      catchError(async (error: unknown) => {
        if (error instanceof UnauthorizedException) await this.backoff.failed(email);
        throw error;
      }),
    );
  }
}
