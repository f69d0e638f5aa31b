import { afterEach, describe, expect, it } from 'vitest';
import { markShuttingDown, resetShutdownState } from '../../lib/shutdown-state';
import { GET } from './route';

afterEach(() => {
  resetShutdownState();
});

describe('GET /health', () => {
  it('answers 200 ok while serving', async () => {
    const response = GET();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('answers 503 once shutdown has begun', async () => {
    markShuttingDown();
    const response = GET();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'shutting down' });
  });
});
