/**
 * The Content-Security-Policy of every page: scripts run only when they carry this
 * request's nonce (Next.js adds it to its own scripts when it finds the policy on the
 * request), so an injected `<script>` does nothing. Everything else comes from this origin,
 * and the page connects to no other but those named (where error reports go).
 */
export function contentSecurityPolicy(
  nonce: string,
  development: boolean,
  /** Other origins the page's scripts may send to (the error reports' endpoint). */
  connectTo: readonly string[] = [],
): string {
  const directives = [
    "default-src 'self'",
    // 'strict-dynamic': scripts a trusted script loads are trusted too (Next.js' chunks).
    // Development only: React's dev tools evaluate strings.
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${development ? " 'unsafe-eval'" : ''}`,
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' blob: data:",
    "font-src 'self'",
    ["connect-src 'self'", ...connectTo].join(' '),
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ];
  return directives.join('; ');
}

/** A fresh, unguessable nonce for one request (base64 of a random UUID). */
export function newNonce(): string {
  return btoa(crypto.randomUUID());
}
