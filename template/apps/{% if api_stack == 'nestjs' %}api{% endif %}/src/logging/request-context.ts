import type { FastifyInstance } from 'fastify';
import type { PinoLogger } from 'nestjs-pino';

/**
 * What Nest's Logger writes while a request is handled (services, the error filter) carries
 * the request's id, as its completion line does: nestjs-pino's request context, entered in
 * a Fastify hook rather than through its middleware (which would need @fastify/middie, a
 * middleware engine run on every request for this alone).
 */
export function bindRequestLogContext(fastify: FastifyInstance, logger: PinoLogger): void {
  fastify.addHook('onRequest', (request, _reply, done) => {
    logger.runInContext(done, { bindings: { requestId: request.id } });
  });
}
