import { randomUUID } from 'node:crypto';

import { startTestApp } from './support/test-app';

describe('metrics', () => {
  let harness: Awaited<ReturnType<typeof startTestApp>>;

  beforeAll(async () => {
    harness = await startTestApp({ APP_VERSION: '1.2.3' });
  });

  afterAll(async () => {
    await harness.app.close();
  });

  const scrape = async () => {
    const response = await harness.request({ url: '/api/v1/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
    return response.body;
  };

  it('exposes process defaults, in-flight requests and app_info', async () => {
    const body = await scrape();
    expect(body).toContain('process_cpu_seconds_total');
    expect(body).toContain('process_resident_memory_bytes');
    expect(body).toContain('process_start_time_seconds');
    expect(body).toContain('http_requests_in_flight');
    expect(body).toMatch(/app_info\{version="1\.2\.3",environment="test"\} 1/);
  });

  it('labels request durations with route templates, and unknown routes "unmatched"', async () => {
    await harness.request({ url: `/api/v1/notes/${randomUUID()}` });
    await harness.request({ url: `/api/v1/${randomUUID()}` });
    await harness.request({ url: '/api/v1/health' });
    const body = await scrape();
    expect(body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/notes\/\{id\}",status_code="\d{3}"\} 1/,
    );
    expect(body).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 1/,
    );
    expect(body).toContain('le="0.005"');
    expect(body).toContain('le="10"');
    expect(body).not.toMatch(/route="\/api\/v1\/(health|metrics)/);
  });
});
