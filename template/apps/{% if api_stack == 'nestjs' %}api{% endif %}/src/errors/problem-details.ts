import { STATUS_CODES } from 'node:http';

/** One offending field of a request that failed validation. */
export interface FieldError {
  field: string;
  message: string;
}

/** An RFC 9457 problem details body, as every error response of this API carries. */
export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  requestId: string;
  errors?: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export function problemDetails(input: {
  status: number;
  detail?: string;
  instance: string;
  requestId: string;
  errors?: FieldError[];
}): ProblemDetails {
  const title = STATUS_CODES[input.status] ?? 'Error';
  // 5xx bodies never carry internal messages.
  const detail = input.status >= 500 || !input.detail ? title : input.detail;
  return {
    type: 'about:blank',
    title,
    status: input.status,
    detail,
    instance: input.instance.split('?')[0] ?? '',
    requestId: input.requestId,
    ...(input.errors ? { errors: input.errors } : {}),
  };
}
