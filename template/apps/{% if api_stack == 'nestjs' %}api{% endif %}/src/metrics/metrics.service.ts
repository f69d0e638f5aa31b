import { Inject, Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';

/**
 * The Prometheus metrics of this process, in a registry of its own (so tests can start
 * several apps in one process). Names and labels are fixed by the HTTP contract: dashboards
 * and alert rules depend on them.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly requestsInFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'HTTP requests being handled right now',
    registers: [this.registry],
  });

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    collectDefaultMetrics({ register: this.registry });
    new Gauge({
      name: 'app_info',
      help: 'Always 1; the labels say which release runs where',
      labelNames: ['version', 'environment'] as const,
      registers: [this.registry],
    }).set({ version: config.APP_VERSION, environment: config.APP_ENV }, 1);
  }
}
