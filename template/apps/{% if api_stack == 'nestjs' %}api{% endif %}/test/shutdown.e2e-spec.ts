import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// The real process (dist/main.js, built by `make test`) receiving a real SIGTERM.

const main = path.resolve(__dirname, '../dist/main.js');

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

function get(port: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest({ port, host: '127.0.0.1', path: url, agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

async function waitUntilReady(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await get(port, '/api/v1/health/ready').catch(() => 0)) === 200) return;
    await sleep(100);
  }
  throw new Error('the API did not become ready');
}

describe('graceful shutdown', () => {
  let api: ChildProcess;
  let port: number;
  let exited: Promise<unknown[]>;

  beforeAll(async () => {
    port = await freePort();
    api = spawn(process.execPath, [main], {
      env: {
        ...process.env,
        APP_ENV: 'test',
        APP_NAME: 'shutdown-test',
        LOG_LEVEL: 'error',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATABASE_URL: process.env.E2E_DATABASE_URL,
        JWT_ACCESS_SECRET: 'a'.repeat(48),
        SHUTDOWN_DELAY_MS: '1000',
        SHUTDOWN_DRAIN_MS: '5000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    exited = once(api, 'exit');
    await waitUntilReady(port);
  });

  afterAll(() => {
    api.kill('SIGKILL');
  });

  it('fails readiness at once, finishes requests in flight, then exits 0', async () => {
    // A request in flight: headers and half of the body sent before SIGTERM.
    const body = JSON.stringify({ title: 'in flight', body: 'finished after SIGTERM' });
    const inFlight = new Promise<number>((resolve, reject) => {
      const request = httpRequest(
        {
          port,
          host: '127.0.0.1',
          path: '/api/v1/notes',
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/json', 'content-length': body.length },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      ).on('error', reject);
      request.write(body.slice(0, 10));
      setTimeout(() => request.end(body.slice(10)), 1_500);
    });
    await sleep(100);

    api.kill('SIGTERM');
    await sleep(200);
    expect(await get(port, '/api/v1/health/ready')).toBe(503);
    // Still serving during SHUTDOWN_DELAY_MS.
    expect(await get(port, '/api/v1/health')).toBe(200);

    // Answered (201, or 401 where notes need a token): not cut off.
    expect([201, 401]).toContain(await inFlight);
    const [code] = await exited;
    expect(code).toBe(0);
  });
});
