import { webMetrics } from '../../lib/metrics';

// Asked per scrape, never prerendered at build time.
export const dynamic = 'force-dynamic';

/**
 * Prometheus' scrape of this server (lib/metrics.ts), on the internal network only: the web
 * router's rule leaves /metrics out (compose.prod.yaml), as the API's does for its own.
 */
export async function GET(): Promise<Response> {
  const { registry } = webMetrics();
  return new Response(await registry.metrics(), {
    headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' },
  });
}
