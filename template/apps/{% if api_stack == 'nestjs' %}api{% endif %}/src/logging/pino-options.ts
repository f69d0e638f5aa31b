import { destination, type Logger, type LoggerOptions, pino, stdTimeFunctions } from 'pino';

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

// Log lines are written in batches of this many bytes, and at least this often (ms).
const LOG_BATCH_BYTES = 4096;
const LOG_FLUSH_INTERVAL_MS = 200;

/**
 * The application's one logger, on stdout. Fastify gives each request a child of it that
 * carries the request's id as `requestId` (request.log); Nest's Logger writes through it too.
 *
 * Lines are written in batches (one system call for many lines, not one each: under load the
 * write was the largest cost of a request's log line), at the latest LOG_FLUSH_INTERVAL_MS
 * after they were logged. What is pending is written out before the process exits (pino
 * flushes on exit: SIGTERM's graceful shutdown, a crash); a SIGKILL loses it.
 */
export function createLogger(config: AppConfig): Logger {
  const stdout = destination({
    dest: 1,
    sync: false,
    minLength: LOG_BATCH_BYTES,
    periodicFlush: LOG_FLUSH_INTERVAL_MS,
  });
  return pino(pinoOptions(config), stdout);
}
