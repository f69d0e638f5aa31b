import { isShuttingDown } from '../../lib/shutdown-state';

// Asked per request, never prerendered at build time.
export const dynamic = 'force-dynamic';

const NO_STORE = { 'cache-control': 'no-store' };

/**
 * Health of this server for the image's HEALTHCHECK and Traefik: 200 while it serves, 503
 * from the moment it was asked to stop (so the proxy routes elsewhere before it exits).
 * It does not call the API: a down API must not make Traefik drop every web container.
 */
export function GET(): Response {
  if (isShuttingDown()) {
    return Response.json({ status: 'shutting down' }, { status: 503, headers: NO_STORE });
  }
  return Response.json({ status: 'ok' }, { headers: NO_STORE });
}
