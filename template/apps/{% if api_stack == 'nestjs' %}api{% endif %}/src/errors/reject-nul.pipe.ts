import { type ArgumentMetadata, BadRequestException, type PipeTransform } from '@nestjs/common';

import type { FieldError } from './problem-details';

/** Dotted paths of every string under `value` that holds U+0000. */
function nulFields(value: unknown, path: string): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path || 'body'] : [];
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => nulFields(item, path ? `${path}.${index}` : `${index}`));
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      nulFields(item, path ? `${path}.${key}` : key),
    );
  }
  return [];
}

/**
 * PostgreSQL text cannot hold U+0000: a body, query or path value carrying it is a 400
 * naming the field (before validation), not a 500 from the database.
 */
export class RejectNulCharactersPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type === 'custom') return value;
    const root = metadata.type === 'param' ? (metadata.data ?? '') : '';
    const errors: FieldError[] = nulFields(value, root).map((field) => ({
      field,
      message: `${field} must not contain the NUL character (U+0000)`,
    }));
    if (errors.length > 0) {
      throw new BadRequestException({
        detail: errors.map((error) => error.message).join('; '),
        errors,
      });
    }
    return value;
  }
}
