import { trace, type TracerProvider } from '@opentelemetry/api';
import { registerOTel } from '@vercel/otel';

import { apiUrl, appName, type Environment } from './settings';
import { samplerFromEnvironment, SkipHealthChecks } from './trace-sampler';

/**
 * Traces with OpenTelemetry, as the API's (same OTEL_* variables, same endpoint). Once a
 * tracer provider is registered, Next.js makes a span of each request it serves, named by
 * its route, and of each render; @vercel/otel registers one from the OTEL_* variables
 * (endpoint, sampler, headers), and its fetch instrumentation adds a `traceparent` header to
 * the server's calls to the API, and only to them: other hosts learn nothing of the trace.
 * The API continues that trace, so a page and the API calls it made are one trace. The
 * service is APP_NAME-web unless OTEL_SERVICE_NAME names it; health checks make no trace.
 */
export function startTracing(env: Environment): void {
  const api = apiUrl(env);
  registerOTel({
    serviceName: `${appName(env)}-web`,
    traceSampler: new SkipHealthChecks(samplerFromEnvironment(env)),
    instrumentationConfig: { fetch: { propagateContextUrls: api ? [`${api}/`] : [] } },
  });
}

interface Flushable {
  forceFlush(): Promise<void>;
}

/** The global provider stands in front of the one registered (its delegate). */
interface Delegating {
  getDelegate(): TracerProvider;
}

function isFlushable(provider: TracerProvider): provider is TracerProvider & Flushable {
  return typeof (provider as Partial<Flushable>).forceFlush === 'function';
}

function isDelegating(provider: TracerProvider): provider is TracerProvider & Delegating {
  return typeof (provider as Partial<Delegating>).getDelegate === 'function';
}

/** Sends the spans the provider still batches: at shutdown, before the process exits. */
export async function flushTraces(): Promise<void> {
  const global = trace.getTracerProvider();
  const provider = isDelegating(global) ? global.getDelegate() : global;
  if (isFlushable(provider)) {
    await provider.forceFlush();
  }
}
