import { type ArgumentMetadata, ValidationPipe } from '@nestjs/common';

import { validationException } from './validation-errors';

/** A class that checks and converts plain input itself, throwing invalidFields(...). */
interface CheckedByHand {
  fromPlain(value: unknown): unknown;
}

const checkedByHand = (type: unknown): type is CheckedByHand =>
  typeof (type as Partial<CheckedByHand> | undefined)?.fromPlain === 'function';

/**
 * Request bodies, queries and parameters typed with a class are checked against its
 * class-validator decorators: unknown fields refused, values converted to the declared
 * types, a 400 naming each failed field. A class with a static `fromPlain` (a hot route's
 * input, e.g. ListNotesQuery) checks itself instead, with the same 400s.
 */
export class RequestValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: validationException,
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (metadata.type !== 'custom' && checkedByHand(metadata.metatype)) {
      return metadata.metatype.fromPlain(value);
    }
    return super.transform(value, metadata);
  }
}
