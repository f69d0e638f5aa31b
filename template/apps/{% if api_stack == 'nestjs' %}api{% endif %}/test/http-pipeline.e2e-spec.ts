import { startTestApp } from './support/test-app';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('the HTTP pipeline', () => {
  let harness: Awaited<ReturnType<typeof startTestApp>>;

  beforeAll(async () => {
    harness = await startTestApp({
      ALLOWED_ORIGINS: 'https://app.example',
      BODY_LIMIT_BYTES: '2048',
    });
  });

  afterAll(async () => {
    await harness.app.close();
  });

  it('sends the security headers', async () => {
    const { headers } = await harness.request({ url: '/api/v1/health' });
    expect(headers['strict-transport-security']).toMatch(/max-age=\d{8,}; includeSubDomains/);
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['content-security-policy']).toContain("default-src 'self'");
    expect(headers['cross-origin-opener-policy']).toBeDefined();
    expect(headers['cross-origin-resource-policy']).toBeDefined();
    expect(headers['x-powered-by']).toBeUndefined();
  });

  it('echoes a valid X-Request-Id and replaces an invalid one', async () => {
    const echoed = await harness.request({
      url: '/api/v1/health',
      headers: { 'x-request-id': 'trace-42.a_b' },
    });
    expect(echoed.headers['x-request-id']).toBe('trace-42.a_b');
    const replaced = await harness.request({
      url: '/api/v1/health',
      headers: { 'x-request-id': 'no spaces allowed' },
    });
    expect(replaced.headers['x-request-id']).toMatch(UUID_V4);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const response = await harness.request({
      url: '/api/v1/no-such-thing?secret=1',
      headers: { 'x-request-id': 'req-404' },
    });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
    expect(response.json()).toMatchObject({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      instance: '/api/v1/no-such-thing',
      requestId: 'req-404',
    });
  });

  it('rejects malformed JSON with 400', async () => {
    const response = await harness.request({
      method: 'POST',
      url: '/api/v1/notes',
      headers: { 'content-type': 'application/json' },
      payload: '{"title": ',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ status: 400, title: 'Bad Request' });
  });

  it('rejects bodies over BODY_LIMIT_BYTES with 413', async () => {
    const response = await harness.request({
      method: 'POST',
      url: '/api/v1/notes',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ title: 'x', body: 'y'.repeat(4096) }),
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toMatchObject({ status: 413 });
  });

  it('allows listed CORS origins only', async () => {
    const preflight = await harness.request({
      method: 'OPTIONS',
      url: '/api/v1/notes',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(preflight.headers.vary).toContain('Origin');

    const other = await harness.request({
      url: '/api/v1/health',
      headers: { origin: 'https://evil.example' },
    });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();

    const otherPreflight = await harness.request({
      method: 'OPTIONS',
      url: '/api/v1/notes',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    const corsHeaders = Object.keys(otherPreflight.headers).filter((name) =>
      name.startsWith('access-control-'),
    );
    expect(corsHeaders).toEqual([]);
  });

  it('compresses large bodies for clients that accept it', async () => {
    const response = await harness.request({
      url: '/api/v1/openapi.json',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-encoding']).toBe('gzip');
  });

  it('serves the OpenAPI document and, outside production, the Swagger UI', async () => {
    const document = await harness.request({ url: '/api/v1/openapi.json' });
    expect(document.json<{ openapi: string }>().openapi).toMatch(/^3\./);
    expect(Object.keys(document.json<{ paths: object }>().paths)).toContain('/api/v1/notes/{id}');
    expect((await harness.request({ url: '/api/v1/docs' })).statusCode).toBe(200);
  });
});

describe('in production', () => {
  it('hides the Swagger UI', async () => {
    const { app, request } = await startTestApp({ APP_ENV: 'production' });
    expect((await request({ url: '/api/v1/docs' })).statusCode).toBe(404);
    expect((await request({ url: '/api/v1/openapi.json' })).statusCode).toBe(200);
    await app.close();
  });
});
