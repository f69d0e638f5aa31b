import { type NextRequest, NextResponse } from 'next/server';
import { contentSecurityPolicy, newNonce } from './lib/content-security-policy';
import { errorReportOrigins } from './lib/error-reports';
import { log } from './lib/log';
import { chooseRequestId, REQUEST_ID_HEADER } from './lib/request-id';

/**
 * Runs before every page: a fresh nonce and the policy naming it (and where the page may send
 * its error reports, if anywhere). The policy goes on the
 * request too, where Next.js reads the nonce for the scripts it renders, and on the response,
 * where the browser enforces it. Pages are rendered per request anyway (page.tsx).
 *
 * And the page view's request id (the client's, else a new one): on the request, where the
 * page sends it on to the API, on the response, and on the log line of the request.
 */
export function proxy(request: NextRequest): NextResponse {
  const requestId = chooseRequestId(request.headers.get(REQUEST_ID_HEADER));
  log.info({ requestId, method: request.method, path: request.nextUrl.pathname }, 'request');
  const nonce = newNonce();
  const policy = contentSecurityPolicy(
    nonce,
    process.env.NODE_ENV === 'development',
    errorReportOrigins(process.env),
  );
  const requestHeaders = new Headers(request.headers);
  requestHeaders.set('x-nonce', nonce);
  requestHeaders.set(REQUEST_ID_HEADER, requestId);
  requestHeaders.set('Content-Security-Policy', policy);
  const response = NextResponse.next({ request: { headers: requestHeaders } });
  response.headers.set('Content-Security-Policy', policy);
  response.headers.set('X-Request-Id', requestId);
  return response;
}

export const config = {
  // Pages only: not the static files (their URLs are in the page's policy already), not
  // /health or /metrics, and not prefetches (their responses are not documents).
  matcher: [
    {
      source: '/((?!_next/static|_next/image|favicon.ico|robots.txt|health|metrics).*)',
      missing: [
        { type: 'header', key: 'next-router-prefetch' },
        { type: 'header', key: 'purpose', value: 'prefetch' },
      ],
    },
  ],
};
