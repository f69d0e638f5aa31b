import type { Instrumentation } from 'next';

import { requestIdOf } from './lib/request-id';

/**
 * Runs once when the server starts (Next.js calls register() before serving).
 *
 * Tracing first, where an OTLP endpoint is set (lib/tracing.ts): nothing of OpenTelemetry is
 * loaded otherwise. Then error reports, where they are configured (lib/error-reports.ts),
 * and the metrics Prometheus scrapes (lib/metrics.ts).
 *
 * With NEXT_MANUAL_SIG_HANDLE set (the image and `make start` set it), Next.js installs no
 * signal handlers of its own (its handler exits at once, with code 143 on SIGTERM): this
 * one lets a stopping server keep serving for SHUTDOWN_DELAY_MS while /health answers 503,
 * sends the spans still batched, then exits 0. Without it (`next dev`), Next.js' own
 * handling applies.
 */
export async function register(): Promise<void> {
  // Only the Node.js server has process signals and calls the API; this file is built for
  // the edge runtime too, where the imports below must not happen.
  if (process.env.NEXT_RUNTIME !== 'nodejs') {
    return;
  }
  const { shutdownDelayMs, tracingEnabled } = await import('./lib/settings');
  const tracing = tracingEnabled(process.env) ? await import('./lib/tracing') : undefined;
  tracing?.startTracing(process.env);
  const { startErrorReports } = await import('./lib/error-reports');
  await startErrorReports(process.env);
  // The process metrics (event loop lag, garbage collection) measure from now, not from the
  // first scrape.
  const { webMetrics } = await import('./lib/metrics');
  webMetrics(process.env);
  if (!process.env.NEXT_MANUAL_SIG_HANDLE) {
    return;
  }
  const { installShutdownHandlers } = await import('./lib/graceful-shutdown');
  installShutdownHandlers({
    delayMs: shutdownDelayMs(process.env),
    beforeExit: tracing?.flushTraces,
  });
}

/**
 * Next.js calls this with every error a request's rendering or route handler throws: one
 * JSON line with the request's id (lib/log.ts; the trace id where traced), and an error
 * report where they are configured (lib/error-reports.ts). The client sees Next.js' error
 * page, without the error.
 */
export const onRequestError: Instrumentation.onRequestError = async (error, request, context) => {
  if (process.env.NEXT_RUNTIME !== 'nodejs') {
    return;
  }
  const { log } = await import('./lib/log');
  log.error(
    {
      requestId: requestIdOf(request.headers),
      method: request.method,
      // Without the query: a token in a link must not reach the logs.
      path: request.path.split('?', 1)[0],
      route: context.routePath,
      err: error,
    },
    'request failed',
  );
  const { reportRequestError } = await import('./lib/error-reports');
  await reportRequestError(process.env, error, request, context);
};
