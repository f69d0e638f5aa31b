import type { FastifyReply, FastifyRequest } from 'fastify';

import { RequestLog } from './request-log';

/** The request and reply Fastify passes, with the request's logger recording its calls. */
function finished(url: string, statusCode: number) {
  const calls: [string, unknown, string][] = [];
  const record =
    (level: string) =>
    (line: unknown, message: string): void => {
      calls.push([level, line, message]);
    };
  const log = { info: record('info'), warn: record('warn'), error: record('error') };
  const request = { method: 'GET', url, log } as unknown as FastifyRequest;
  const reply = { statusCode, elapsedTime: 12.34567 } as unknown as FastifyReply;
  return { calls, request, reply };
}

describe('RequestLog', () => {
  it('writes one completion line with the path, not the query string', () => {
    const { calls, request, reply } = finished('/api/v1/notes?token=secret', 200);
    new RequestLog().requestCompleted(undefined, request, reply);
    expect(calls).toEqual([
      [
        'info',
        { method: 'GET', path: '/api/v1/notes', statusCode: 200, durationMs: 12.346 },
        'request completed',
      ],
    ]);
  });

  it.each([
    [404, 'warn', 'request completed'],
    [503, 'error', 'request failed'],
  ])('logs status %i at level %s', (status, level, message) => {
    const { calls, request, reply } = finished('/api/v1/x', status);
    new RequestLog().requestCompleted(null, request, reply);
    expect(calls[0]?.[0]).toBe(level);
    expect(calls[0]?.[2]).toBe(message);
  });

  it('logs a failed response as an error', () => {
    const { calls, request, reply } = finished('/api/v1/x', 200);
    new RequestLog().requestCompleted(new Error('socket hang up'), request, reply);
    expect(calls[0]?.[0]).toBe('error');
  });
});
