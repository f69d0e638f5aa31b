import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * Fastify's own per-request log lines, shaped as the contract has them (docs/http-contract.md,
 * "Logs"): nothing when a request arrives, one completion line when its response has been
 * sent, written through the request's logger, so it carries `requestId`.
 */
export class RequestLog extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'requestId' });
  }

  override incomingRequest(): void {
    // One line per request: the completion line says all there is.
  }

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const { statusCode } = reply;
    const line = {
      method: request.method,
      // The query string may carry anything: log the path only.
      path: request.url.split('?', 1)[0],
      statusCode,
      durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
    };
    if (error || statusCode >= 500) request.log.error(line, 'request failed');
    else if (statusCode >= 400) request.log.warn(line, 'request completed');
    else request.log.info(line, 'request completed');
  }
}
