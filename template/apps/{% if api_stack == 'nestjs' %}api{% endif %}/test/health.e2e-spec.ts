import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { ShutdownState } from '../src/shutdown/shutdown-state';
import { startTestApp, type TestResponse } from './support/test-app';

describe('health', () => {
  let app: NestFastifyApplication;
  let request: (options: { url: string }) => Promise<TestResponse>;

  beforeAll(async () => {
    ({ app, request } = await startTestApp());
  });

  afterAll(async () => {
    await app.close();
  });

  it('answers liveness without touching dependencies', async () => {
    const response = await request({ url: '/api/v1/health' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('is ready when PostgreSQL and Redis answer', async () => {
    const response = await request({ url: '/api/v1/health/ready' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      status: 'ok',
      details: { postgres: { status: 'up' }, redis: { status: 'up' } },
    });
  });

  it('answers 503 "shutting_down" once shutdown began', async () => {
    const { app: closing, request: ask } = await startTestApp();
    closing.get(ShutdownState).begin();
    const response = await ask({ url: '/api/v1/health/ready' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ status: 'shutting_down' });
    await closing.close();
  });
});

describe('health without Redis', () => {
  it('names the failed dependency, quickly', async () => {
    // Nothing listens on port 1: the connection is refused.
    const { app, request } = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1/0' });
    const started = Date.now();
    const response = await request({ url: '/api/v1/health/ready' });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({
      status: 'error',
      details: { postgres: { status: 'up' }, redis: { status: 'down' } },
    });
    expect(
      response.json<{ details: { redis: { message: string } } }>().details.redis.message,
    ).not.toBe('');
    // Liveness does not depend on Redis, and requests still work (rate limiting fails open).
    expect((await request({ url: '/api/v1/health' })).statusCode).toBe(200);
    await app.close();
  });
});
