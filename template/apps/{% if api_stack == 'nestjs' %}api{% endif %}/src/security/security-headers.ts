import type { IncomingMessage, ServerResponse } from 'node:http';

import helmet from 'helmet';

/**
 * Helmet's headers for this API: framing denied, HSTS for a year, no referrer, helmet's
 * default Content-Security-Policy (default-src 'self', ...: enough for JSON and the Swagger
 * UI) without upgrade-insecure-requests, so the UI also loads over plain HTTP in development.
 * Helmet's middleware sets the same headers on every response whatever the request: they are
 * taken from it once, at startup, and set on each response in one call.
 */
export function securityHeaders(): Record<string, string> {
  const middleware = helmet({
    frameguard: { action: 'deny' },
    hsts: { maxAge: 31_536_000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } },
  });
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => {
      headers[name] = value;
    },
    removeHeader: () => undefined,
  };
  // Helmet 8 throws its errors (a bad option) rather than passing them on: `next` only means
  // "go on".
  middleware({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}
