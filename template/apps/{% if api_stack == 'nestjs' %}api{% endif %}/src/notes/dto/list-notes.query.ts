import { ApiPropertyOptional } from '@nestjs/swagger';

import type { FieldError } from '../../errors/problem-details';
import { invalidFields } from '../../errors/validation-errors';

// Every number a client sends has bounds, declared in the OpenAPI document: an unbounded page
// once reached the database as an offset it could not hold (a 500, not a 400).
export const PAGE_MAX = 1_000_000;
export const PAGE_SIZE_MAX = 100;

/** Decimal digits become a number; anything else ('1e3', '0x10', '') stays as sent and is
 * not an integer, as on the FastAPI stack. */
const DECIMAL = /^-?\d+$/;

/** One bounded integer parameter, or its errors (worded as class-validator words them). */
function integerIn(
  query: Record<string, unknown>,
  name: string,
  fallback: number,
  max: number,
  errors: FieldError[],
): number {
  const sent = query[name];
  if (sent === undefined) return fallback;
  const value = typeof sent === 'string' && DECIMAL.test(sent) ? Number(sent) : sent;
  const isNumber = typeof value === 'number';
  if (!isNumber || !Number.isInteger(value)) {
    errors.push({ field: name, message: `${name} must be an integer number` });
  }
  if (!isNumber || !(value >= 1)) {
    errors.push({ field: name, message: `${name} must not be less than 1` });
  }
  if (!isNumber || !(value <= max)) {
    errors.push({ field: name, message: `${name} must not be greater than ${max}` });
  }
  return isNumber ? value : fallback;
}

/**
 * GET /notes's query. Checked by hand (`fromPlain`, which RequestValidationPipe calls) rather
 * than by class-validator decorators: this is the API's busiest route, and the hand-written
 * check costs a fraction of class-transformer and class-validator's, with the same 400s.
 */
export class ListNotesQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: PAGE_MAX, default: 1 })
  page = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: PAGE_SIZE_MAX, default: 20 })
  pageSize = 20;

  static fromPlain(value: unknown): ListNotesQuery {
    const query = (value ?? {}) as Record<string, unknown>;
    const errors: FieldError[] = [];
    const parsed = new ListNotesQuery();
    parsed.page = integerIn(query, 'page', parsed.page, PAGE_MAX, errors);
    parsed.pageSize = integerIn(query, 'pageSize', parsed.pageSize, PAGE_SIZE_MAX, errors);
    for (const name of Object.keys(query)) {
      if (name !== 'page' && name !== 'pageSize') {
        errors.push({ field: name, message: `property ${name} should not exist` });
      }
    }
    if (errors.length > 0) throw invalidFields(errors);
    return parsed;
  }
}
