import type { IncomingMessage, ServerResponse } from 'node:http';

import { stdTimeFunctions } from 'pino';
import type { Options } from 'pino-http';

import type { AppConfig } from '../config/config.schema';

// Fields whose values never reach the logs, at any of the first three levels of nesting.
const SECRET_FIELDS = ['password', 'refreshToken', 'accessToken', 'authorization', 'cookie'];
const REDACTED_PATHS = SECRET_FIELDS.flatMap((field) => [field, `*.${field}`, `*.*.${field}`]);

/** The request line logged when a response is finished, as the contract names its fields. */
function completion(request: IncomingMessage, response: ServerResponse, durationMs: unknown) {
  return {
    method: request.method,
    // The query string may carry anything: log the path only.
    path: (request.url ?? '').split('?')[0],
    statusCode: response.statusCode,
    durationMs,
  };
}

/**
 * pino-http settings: one JSON object per line with an ISO `time`, the level as a word,
 * `msg`, the request's id as `requestId`, and one completion line per request.
 */
export function pinoHttpOptions(config: AppConfig): Options {
  return {
    level: config.LOG_LEVEL,
    base: { app: config.APP_NAME, version: config.APP_VERSION, env: config.APP_ENV },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
    // Fastify already chose the id (src/logging/request-id.ts); @fastify/middie copies it
    // onto the raw request that pino-http sees.
    genReqId: (request) => request.id,
    customAttributeKeys: { reqId: 'requestId', responseTime: 'durationMs' },
    // Bind only the request id to the request's logger, not the whole request.
    quietReqLogger: true,
    quietResLogger: true,
    customLogLevel: (_request, response, error) =>
      error !== undefined || response.statusCode >= 500
        ? 'error'
        : response.statusCode >= 400
          ? 'warn'
          : 'info',
    customSuccessMessage: () => 'request completed',
    customErrorMessage: () => 'request failed',
    customSuccessObject: (request, response, value: { durationMs?: number }) =>
      completion(request, response, value.durationMs),
    customErrorObject: (request, response, _error, value: { durationMs?: number }) =>
      completion(request, response, value.durationMs),
  };
}
