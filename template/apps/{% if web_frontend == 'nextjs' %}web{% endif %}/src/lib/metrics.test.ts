import { describe, expect, it } from 'vitest';
import type { ApiStatus } from './api-status';
import { newWebMetrics, timedApiCall, webMetrics } from './metrics';

async function countOf(text: Promise<string>, outcome: string): Promise<number> {
  const line = (await text)
    .split('\n')
    .find((each) => each.startsWith(`web_api_call_duration_seconds_count{outcome="${outcome}"}`));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
}

describe('timedApiCall', () => {
  it('counts each call under its outcome, and a call that throws as error', async () => {
    const metrics = newWebMetrics({});
    const up: ApiStatus = { state: 'up' };
    const down: ApiStatus = { state: 'down', httpStatus: 503 };
    await timedApiCall(() => Promise.resolve(up), metrics);
    await timedApiCall(() => Promise.resolve(up), metrics);
    await timedApiCall(() => Promise.resolve(down), metrics);
    await expect(
      timedApiCall(() => Promise.reject(new Error('no health document')), metrics),
    ).rejects.toThrow('no health document');
    expect(await countOf(metrics.registry.metrics(), 'up')).toBe(2);
    expect(await countOf(metrics.registry.metrics(), 'down')).toBe(1);
    expect(await countOf(metrics.registry.metrics(), 'error')).toBe(1);
  });
});

describe('webMetrics', () => {
  it('is one set per process, whichever bundle asks', () => {
    expect(webMetrics({})).toBe(webMetrics({}));
  });

  it('says which release runs where, beside Node.js process metrics', async () => {
    const text = await newWebMetrics({
      APP_VERSION: '1.4.0',
      APP_ENV: 'staging',
    }).registry.metrics();
    expect(text).toContain('app_info{version="1.4.0",environment="staging"} 1');
    expect(text).toContain('nodejs_heap_size_used_bytes');
  });
});
