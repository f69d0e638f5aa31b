import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeApiStatus, fetchApiStatus, HEALTH_PATH, UnexpectedApiAnswer } from './api-status';

// A real HTTP server on loopback stands in for the API.
const servers: Server[] = [];
const hanging: ServerResponse[] = [];

async function apiAnswering(handle: (path: string, response: ServerResponse) => void) {
  const server = createServer((request, response) => {
    handle(request.url ?? '', response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closedPort(): Promise<string> {
  const url = await apiAnswering(() => undefined);
  const server = servers.pop();
  await new Promise((resolve) => server?.close(resolve));
  return url;
}

afterEach(async () => {
  for (const response of hanging.splice(0)) {
    response.destroy();
  }
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  );
});

describe('fetchApiStatus', () => {
  it('is up when the health endpoint answers 2xx', async () => {
    const paths: string[] = [];
    const base = await apiAnswering((path, response) => {
      paths.push(path);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"status":"ok"}');
    });
    expect(await fetchApiStatus(base)).toEqual({ state: 'up' });
    expect(paths).toEqual([HEALTH_PATH]);
  });

  it("throws when a success is not the API's health answer (API_URL names something else)", async () => {
    for (const body of ['<html>a proxy page</html>', '{"status":"down"}', 'null', '']) {
      const base = await apiAnswering((_, response) => {
        response.writeHead(200, { 'content-type': 'text/html' }).end(body);
      });
      await expect(fetchApiStatus(base)).rejects.toThrow(UnexpectedApiAnswer);
    }
  });

  it('is down with the status when the API answers an error', async () => {
    const base = await apiAnswering((_, response) => {
      response.writeHead(503).end('{"status":"shutting down"}');
    });
    expect(await fetchApiStatus(base)).toEqual({ state: 'down', httpStatus: 503 });
  });

  it('is unreachable when nothing listens', async () => {
    expect(await fetchApiStatus(await closedPort())).toEqual({ state: 'unreachable' });
  });

  it('is unreachable after the timeout when the API does not answer', async () => {
    const base = await apiAnswering((_, response) => {
      hanging.push(response);
    });
    const started = performance.now();
    expect(await fetchApiStatus(base, { timeoutMs: 200 })).toEqual({ state: 'unreachable' });
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(150);
    expect(waited).toBeLessThan(2000);
  });

  it('is not configured without an address', async () => {
    expect(await fetchApiStatus(undefined)).toEqual({ state: 'not configured' });
  });
});

describe('describeApiStatus', () => {
  it('names the HTTP status of a failing API', () => {
    expect(describeApiStatus({ state: 'down', httpStatus: 500 })).toBe('down (HTTP 500)');
    expect(describeApiStatus({ state: 'unreachable' })).toBe('unreachable');
  });
});
