import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const ACCEPTABLE_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The id of a request: the caller's X-Request-Id when it is safe to echo and log
 * (1-128 characters of [A-Za-z0-9._-]), else a new UUID v4. Fastify calls this once per
 * request; logs, error bodies and the X-Request-Id response header all use the result.
 */
export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && ACCEPTABLE_REQUEST_ID.test(header) ? header : randomUUID();
}
