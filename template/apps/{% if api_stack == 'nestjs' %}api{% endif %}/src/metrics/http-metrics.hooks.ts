import type { FastifyInstance } from 'fastify';

import type { MetricsService } from './metrics.service';
import { isInfrastructureRoute, routeLabel } from './route-label';

/**
 * Time every request with Fastify hooks: they see the matched route template
 * (request.routeOptions.url) and run for 404s and errors too, unlike Nest interceptors.
 */
export function registerHttpMetrics(
  fastify: FastifyInstance,
  metrics: MetricsService,
  prefix: string,
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const template = request.routeOptions.url;
    if (!isInfrastructureRoute(template, prefix)) {
      metrics.requestsInFlight.inc();
      const stopTimer = metrics.requestDuration.startTimer({
        method: request.method,
        route: routeLabel(template),
      });
      // 'close' fires once however the response ends: sent, failed or aborted.
      reply.raw.once('close', () => {
        metrics.requestsInFlight.dec();
        stopTimer({ status_code: String(reply.statusCode) });
      });
    }
    done();
  });
}
