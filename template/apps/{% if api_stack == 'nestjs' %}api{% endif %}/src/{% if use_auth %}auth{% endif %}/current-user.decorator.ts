import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/** Who a valid access token belongs to; JwtAuthGuard puts it on the request. */
export interface AuthenticatedUser {
  id: string;
}

export type AuthenticatedRequest = FastifyRequest & { user?: AuthenticatedUser };

export function authenticatedUser(context: ExecutionContext): AuthenticatedUser {
  const user = context.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('JwtAuthGuard must run before reading the current user');
  return user;
}

/** The signed-in user of a route guarded by JwtAuthGuard. */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  authenticatedUser(context),
);
