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
  // Only the status matters; discard the body so the connection can be reused.
  await response.body?.cancel();
  return response.ok ? { state: 'up' } : { state: 'down', httpStatus: response.status };
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
