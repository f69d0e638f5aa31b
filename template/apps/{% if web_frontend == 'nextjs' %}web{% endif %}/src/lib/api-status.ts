import { REQUEST_ID_HEADER } from './request-id';

/** What the home page says about the API, from one request to its liveness endpoint. */
export type ApiStatus =
  | { state: 'up' }
  | { state: 'down'; httpStatus: number }
  | { state: 'unreachable' }
  | { state: 'not configured' };

export const HEALTH_PATH = '/api/v1/health';

/** A page waits at most this long for the API: a hung API must not hang the page. */
export const DEFAULT_TIMEOUT_MS = 2000;

export interface StatusRequest {
  timeoutMs?: number;
  /** The page view's request id, sent on so the API's log line of the call carries it. */
  requestId?: string;
}

export async function fetchApiStatus(
  baseUrl: string | undefined,
  { timeoutMs = DEFAULT_TIMEOUT_MS, requestId }: StatusRequest = {},
): Promise<ApiStatus> {
  if (baseUrl === undefined) {
    return { state: 'not configured' };
  }
  let response: Response;
  try {
    response = await fetch(`${baseUrl}${HEALTH_PATH}`, {
      // Every render asks again: a status must never come from a cache.
      cache: 'no-store',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        accept: 'application/json',
        ...(requestId === undefined ? {} : { [REQUEST_ID_HEADER]: requestId }),
      },
    });
  } catch {
    // Refused, unresolvable, reset or timed out: all mean the page cannot reach the API.
    return { state: 'unreachable' };
  }
  if (!response.ok) {
    // Only the status matters; discard the body so the connection can be reused.
    await response.body?.cancel();
    return { state: 'down', httpStatus: response.status };
  }
  if (!isHealthDocument(await response.text())) {
    throw new UnexpectedApiAnswer(baseUrl, response.status);
  }
  return { state: 'up' };
}

/** The API's liveness answer: {"status":"ok"}. */
function isHealthDocument(body: string): boolean {
  try {
    const document: unknown = JSON.parse(body);
    return (document as { status?: unknown } | null)?.status === 'ok';
  } catch {
    return false;
  }
}

/**
 * A success that is not the API's health answer: API_URL names something else (another
 * service, a proxy's page). A configuration error, thrown so that the page fails, the error
 * is logged and reported, and nobody reads "up" for an API that was never asked. The body is
 * not quoted: it could hold anything.
 */
export class UnexpectedApiAnswer extends Error {
  constructor(baseUrl: string, httpStatus: number) {
    super(
      `${baseUrl}${HEALTH_PATH} answered HTTP ${httpStatus} without the API's health ` +
        `document: does API_URL name the API?`,
    );
    this.name = 'UnexpectedApiAnswer';
  }
}

export function describeApiStatus(status: ApiStatus): string {
  switch (status.state) {
    case 'up':
      return 'up';
    case 'down':
      return `down (HTTP ${status.httpStatus})`;
    case 'unreachable':
      return 'unreachable';
    case 'not configured':
      return 'not configured (set API_URL)';
  }
}
