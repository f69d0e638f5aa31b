import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

import { sendProblem } from './problem-details.filter';

interface KnownPath {
  pattern: RegExp;
  methods: Set<string>;
}

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/**
 * A path the API has, asked with a method it does not have, is a 405 whose Allow lists the
 * methods it has (Fastify alone answers 404); a path it does not have stays a 404.
 */
export function registerMethodNotAllowed(fastify: FastifyInstance): void {
  const known: KnownPath[] = [];
  const logger = new Logger('Errors');
  fastify.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return;
    const source = escapeRegExp(route.url).replace(/:[^/]+/g, '[^/]+');
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    known.push({ pattern: new RegExp(`^${source}/?$`), methods: new Set(methods) });
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) {
      done();
      return;
    }
    const path = request.url.split('?')[0] ?? '';
    const allowed = new Set(
      known.filter((entry) => entry.pattern.test(path)).flatMap((entry) => [...entry.methods]),
    );
    if (allowed.size === 0) {
      done();
      return;
    }
    void reply.header('Allow', [...allowed].sort().join(', '));
    const error = new HttpException('Method Not Allowed', HttpStatus.METHOD_NOT_ALLOWED);
    sendProblem(error, request, reply, logger);
  });
}
