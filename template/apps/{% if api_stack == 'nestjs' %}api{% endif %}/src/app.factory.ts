import compress from '@fastify/compress';
import helmet from '@fastify/helmet';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';

import { AppModule } from './app.module';
import type { AppConfig } from './config/config.schema';
import { ProblemDetailsFilter } from './errors/problem-details.filter';
import { validationException } from './errors/validation-errors';
import { requestIdFor } from './logging/request-id';
import { registerHttpMetrics } from './metrics/http-metrics.hooks';
import { MetricsService } from './metrics/metrics.service';
import { setupOpenApi } from './openapi/openapi';

export const API_PREFIX = '/api/v1';

/**
 * Build the application with its whole HTTP pipeline, ready to listen. main.ts and the e2e
 * tests share it, so tests exercise exactly what production runs.
 */
export async function createApp(config: AppConfig): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Client IP from X-Forwarded-For only across this many trusted proxy hops.
    trustProxy: config.TRUST_PROXY > 0 ? config.TRUST_PROXY : false,
    bodyLimit: config.BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: requestIdFor,
    // pino-http (nestjs-pino) writes the request logs.
    logger: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(config), adapter, {
    bufferLogs: true,
  });
  app.useLogger(app.get(Logger));
  app.setGlobalPrefix(API_PREFIX);

  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header('X-Request-Id', request.id);
    done();
  });
  registerHttpMetrics(fastify, app.get(MetricsService), API_PREFIX);

  await app.register(helmet, {
    frameguard: { action: 'deny' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    contentSecurityPolicy: {
      // Helmet's defaults (default-src 'self', ...) serve JSON and the Swagger UI; without
      // upgrade-insecure-requests, so the UI also loads over plain HTTP in development.
      directives: { upgradeInsecureRequests: null },
    },
  });
  await app.register(compress, { threshold: 1024, encodings: ['br', 'gzip'] });
  const allowedOrigins = new Set(config.ALLOWED_ORIGINS);
  app.enableCors({
    // Decided per request: a listed origin is echoed; any other origin (or none) gets no
    // CORS headers at all, and its preflight a 404.
    origin: (origin, allow) => {
      allow(null, origin !== undefined && allowedOrigins.has(origin) ? origin : false);
    },
    methods: ['GET', 'HEAD', 'POST', 'PATCH', 'DELETE'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: 600,
  });

  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationException,
    }),
  );
  // Also sees Fastify's own errors (malformed JSON, body over the limit): Nest's Fastify
  // error handler turns them into HttpExceptions and passes them to the global filters.
  app.useGlobalFilters(new ProblemDetailsFilter());
  setupOpenApi(app, config);
  return app;
}
