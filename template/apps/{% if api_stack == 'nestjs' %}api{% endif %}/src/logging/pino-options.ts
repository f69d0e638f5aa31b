import { type Logger, type LoggerOptions, pino, stdTimeFunctions } from 'pino';

import type { AppConfig } from '../config/config.schema';
import { traceIds } from '../tracing/trace-ids';

// Fields whose values never reach the logs: at the top level of a line, in a request body,
// and in headers (alone or a request's). Explicit paths, because pino redacts those for
// almost nothing, while a wildcard path (`*.password`) walks every value of every line.
const SECRET_FIELDS = ['password', 'refreshToken', 'accessToken', 'authorization', 'cookie'];
const REDACTED_PATHS = ['', 'body.', 'headers.', 'req.headers.'].flatMap((parent) =>
  SECRET_FIELDS.map((field) => parent + field),
);

/**
 * pino settings: one JSON object per line with an ISO `time`, the level as a word, `msg`,
 * the app's name, version and environment, and a traced request's trace_id and span_id.
 */
export function pinoOptions(config: AppConfig): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { app: config.APP_NAME, version: config.APP_VERSION, env: config.APP_ENV },
    timestamp: stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACTED_PATHS, censor: '[Redacted]' },
    mixin: traceIds,
  };
}

/**
 * The application's one logger, on stdout. Fastify gives each request a child of it that
 * carries the request's id as `requestId` (request.log); Nest's Logger writes through it too.
 */
export function createLogger(config: AppConfig): Logger {
  return pino(pinoOptions(config));
}
