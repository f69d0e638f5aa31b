import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import { context } from '@opentelemetry/api';
import type { FastifyInstance } from 'fastify';

import { routeLabel } from '../metrics/route-label';

/**
 * Names each request's server span after its route template, as the metrics' `route` label
 * (`GET /api/v1/notes/{id}`), through the metadata the http instrumentation reads when the
 * span ends (the way OpenTelemetry's framework instrumentations do it). Without tracing there
 * is no such metadata and the hook does nothing. A Fastify instrumentation would do this too,
 * with a span for every hook of every request besides.
 */
export function registerRouteNaming(fastify: FastifyInstance): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    const metadata = getRPCMetadata(context.active());
    if (metadata?.type === RPCType.HTTP && request.routeOptions.url) {
      metadata.route = routeLabel(request.routeOptions.url);
    }
    done();
  });
}
