import { STATUS_CODES } from 'node:http';

import type {
  OpenAPIObject,
  OperationObject,
  ReferenceObject,
  ResponseObject,
  SchemaObject,
} from '@nestjs/swagger';

import { PROBLEM_CONTENT_TYPE } from '../errors/problem-details';

const PROBLEM_MEDIA_TYPE = PROBLEM_CONTENT_TYPE.split(';')[0] ?? 'application/problem+json';
const NOT_RATE_LIMITED = ['/api/v1/health', '/api/v1/metrics'];
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details',
  required: ['type', 'title', 'status', 'detail', 'instance', 'requestId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer', minimum: 400, maximum: 599 },
    detail: { type: 'string' },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      description: 'Validation failures (400) only: each offending field',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

function problem(status: number, description?: string): ResponseObject {
  return {
    description: description ?? STATUS_CODES[status] ?? 'Error',
    content: { [PROBLEM_MEDIA_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
    ...(status === 429
      ? {
          headers: {
            'Retry-After': {
              description: 'Seconds until the window resets',
              schema: { type: 'integer', minimum: 1 },
            },
          },
        }
      : {}),
  };
}

/** The contract's errors an operation can answer with, from what it takes. */
function errorStatuses(path: string, operation: OperationObject): Set<number> {
  const statuses = new Set<number>();
  const parameters = operation.parameters ?? [];
  if (parameters.length > 0 || operation.requestBody) statuses.add(400);
  if (operation.requestBody) statuses.add(413);
  if (operation.security?.length) statuses.add(401);
  if (parameters.some((parameter) => 'in' in parameter && parameter.in === 'path')) {
    statuses.add(404);
  }
  if (!NOT_RATE_LIMITED.some((prefix) => path.startsWith(prefix))) statuses.add(429);
  return statuses;
}

/**
 * The ValidationPipe refuses unknown fields (forbidNonWhitelisted): a request body's schema
 * says so, or clients and fuzzers would take extra fields for allowed ones.
 */
function closeRequestBody(
  operation: OperationObject,
  schemas: Record<string, SchemaObject | ReferenceObject>,
): void {
  const body = operation.requestBody;
  if (!body || '$ref' in body) return;
  for (const media of Object.values(body.content)) {
    const top = media.schema;
    // The schema itself, or each part of an allOf (a nullable body wraps its reference).
    const parts = !top ? [] : '$ref' in top ? [top] : (top.allOf ?? []);
    for (const part of parts) {
      const ref = '$ref' in part ? part.$ref : undefined;
      const schema = ref ? schemas[ref.split('/').pop() ?? ''] : undefined;
      if (schema && !('$ref' in schema)) schema.additionalProperties = false;
    }
  }
}

/**
 * Every error response a client can get, declared as `application/problem+json` with the
 * Problem schema: 400 where an operation takes parameters or a body, 413 where it takes a
 * body, 401 where it needs a Bearer token, 404 where its path names a resource, 429 (with
 * Retry-After) on every rate-limited route, and each route's own (409 on register ...).
 * Clients and fuzzers (Schemathesis in the template's tests) hold the API to this document.
 */
export function withProblemResponses(document: OpenAPIObject): OpenAPIObject {
  document.components ??= {};
  const schemas = { ...document.components.schemas, Problem: PROBLEM_SCHEMA };
  document.components.schemas = schemas;
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      closeRequestBody(operation, schemas);
      const responses = operation.responses;
      const declared = Object.keys(responses)
        .map(Number)
        .filter((status) => status >= 400);
      for (const status of new Set([...declared, ...errorStatuses(path, operation)])) {
        // Readiness answers 503 with its own body, not a problem.
        if (status === 503) continue;
        const own = responses[String(status)];
        const description = own && 'description' in own ? own.description : undefined;
        responses[String(status)] = problem(status, description);
      }
    }
  }
  return document;
}
