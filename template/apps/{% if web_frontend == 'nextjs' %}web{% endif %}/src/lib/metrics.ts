import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

import type { ApiStatus } from './api-status';
import { appEnvironment, appVersion, type Environment } from './settings';

/**
 * The web server's own Prometheus metrics, served on /metrics (app/metrics/route.ts) for the
 * monitoring stack's `web` job; Traefik does not route that path. Traefik's metrics already
 * count the pages' requests, statuses and durations (router web@swarm): these add what only
 * the process knows, as the API's do:
 * - Node.js' process metrics (event loop lag, heap, garbage collection, CPU),
 * - app_info{version, environment},
 * - web_api_call_duration_seconds{outcome}: the pages' calls to the API, as the web sees them
 *   (up, down, unreachable, or error for an answer that is not the API's).
 */
export interface WebMetrics {
  readonly registry: Registry;
  readonly apiCallDuration: Histogram<'outcome'>;
}

// Next.js builds the proxy, route handlers and pages as separate bundles, each with its own
// copy of this module: the metrics live on the process, so every bundle counts into them.
const PROCESS_KEY = Symbol.for('web.metrics');
type WithMetrics = typeof globalThis & { [PROCESS_KEY]?: WebMetrics };

export function webMetrics(env: Environment = process.env): WebMetrics {
  const process_ = globalThis as WithMetrics;
  process_[PROCESS_KEY] ??= newWebMetrics(env);
  return process_[PROCESS_KEY];
}

/** A set of the metrics in a registry of its own (webMetrics() keeps the process's). */
export function newWebMetrics(env: Environment): WebMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'app_info',
    help: 'Always 1; the labels say which release runs where',
    labelNames: ['version', 'environment'] as const,
    registers: [registry],
  }).set({ version: appVersion(env), environment: appEnvironment(env) }, 1);
  const apiCallDuration = new Histogram({
    name: 'web_api_call_duration_seconds',
    help: "Duration of the web server's calls to the API, by outcome",
    labelNames: ['outcome'] as const,
    // The page waits at most 2 s for the API (api-status.ts DEFAULT_TIMEOUT_MS).
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
    registers: [registry],
  });
  return { registry, apiCallDuration };
}

/** The API call `call` makes, timed into web_api_call_duration_seconds by its outcome. */
export async function timedApiCall(
  call: () => Promise<ApiStatus>,
  metrics: WebMetrics = webMetrics(),
): Promise<ApiStatus> {
  const stop = metrics.apiCallDuration.startTimer();
  try {
    const status = await call();
    stop({ outcome: status.state === 'not configured' ? 'not_configured' : status.state });
    return status;
  } catch (error) {
    stop({ outcome: 'error' });
    throw error;
  }
}
