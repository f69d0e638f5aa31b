/** The header that names a request, end to end: Traefik passes a client's on, the web server
 * answers with it, and its calls to the API carry it, so the web's and the API's log lines of
 * one page view share it. */
export const REQUEST_ID_HEADER = 'x-request-id';

/** As the API accepts one: 1-128 characters of [A-Za-z0-9._-]. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/** The incoming id when it is a valid one, else a fresh UUID v4. */
export function chooseRequestId(incoming: string | null): string {
  return incoming !== null && VALID_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID();
}

/** The request id the proxy put on a request, from headers as Node.js gives them (a header
 * sent twice is a list: then none). */
export function requestIdOf(
  headers: Readonly<Record<string, string | string[] | undefined>>,
): string | undefined {
  const id = headers[REQUEST_ID_HEADER];
  return typeof id === 'string' ? id : undefined;
}
