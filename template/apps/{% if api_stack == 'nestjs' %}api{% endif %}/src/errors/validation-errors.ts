import { BadRequestException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';

import type { FieldError } from './problem-details';

/** Flatten class-validator's tree into one entry per failed constraint, with dotted paths. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...fieldErrors(error.children ?? [], field)];
  });
}

/** ValidationPipe's exceptionFactory: a 400 whose problem body lists every field. */
export function validationException(errors: ValidationError[]): BadRequestException {
  const list = fieldErrors(errors);
  return new BadRequestException({
    detail: list.map((error) => error.message).join('; '),
    errors: list,
  });
}
