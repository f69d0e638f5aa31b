// Traces with OpenTelemetry, configured by the standard OTEL_* variables.
//
// main.ts imports this module only when an OTLP endpoint is set (tracing-lifecycle.ts), and
// before the application's modules, so the instrumentations hook http, pg, ioredis and Nest
// as they load; otherwise nothing is instrumented and a request pays for no span. Then: a
// server span per request named by its route template (route-name.hook.ts), its SQL
// statements and Redis commands as child spans, a `traceparent` header from the caller (the
// web front end) continuing the caller's trace, and spans sent over OTLP/HTTP in batches. The
// sampler, service name, headers and the rest come from the SDK's own variables
// (OTEL_TRACES_SAMPLER, OTEL_SERVICE_NAME, OTEL_EXPORTER_OTLP_HEADERS ...; .env.example sets
// the first few). The FastAPI stack reads the same variables and names spans alike.
import type { ContextManager } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { IORedisInstrumentation } from '@opentelemetry/instrumentation-ioredis';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import {
  defaultResource,
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';

import type { AppConfig } from '../config/config.schema';
import { isInfrastructureRoute } from '../metrics/route-label';
import { API_PREFIX } from '../paths';
import { whenTracingStops } from './tracing-lifecycle';

/** OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES first; the app's name, version and
 * environment for what they leave out. */
function resource(config: AppConfig): Resource {
  return defaultResource()
    .merge(
      resourceFromAttributes({
        [ATTR_SERVICE_NAME]: config.APP_NAME,
        [ATTR_SERVICE_VERSION]: config.APP_VERSION,
        'deployment.environment.name': config.APP_ENV,
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }));
}

/** Probes and scrapes, every few seconds: spans of them would drown the requests' own. */
function untraced(url: string | undefined): boolean {
  return isInfrastructureRoute(url?.split('?', 1)[0], API_PREFIX);
}

/**
 * Start tracing for the whole process. `contextManager` is Sentry's where Sentry reports
 * errors too (instrument.ts): it keeps each request's error scope apart; otherwise the
 * provider's own (AsyncLocalStorage).
 */
export function startTracing(config: AppConfig, contextManager?: ContextManager): void {
  const provider = new NodeTracerProvider({
    resource: resource(config),
    // The exporter and the batch size, delay and queue read OTEL_EXPORTER_OTLP_* and OTEL_BSP_*.
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  provider.register({ contextManager });
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (request) => untraced(request.url) }),
      new NestInstrumentation(),
      new PgInstrumentation(),
      new IORedisInstrumentation(),
    ],
  });
  whenTracingStops(() => provider.shutdown());
}
