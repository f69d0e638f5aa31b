import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

// Every number a client sends has bounds, declared in the OpenAPI document: an unbounded page
// once reached the database as an offset it could not hold (a 500, not a 400).
export const PAGE_MAX = 1_000_000;
export const PAGE_SIZE_MAX = 100;

/** Decimal digits become a number; anything else ('1e3', '0x10', '') stays as sent and
 * fails @IsInt, as it does on the FastAPI stack. */
const toInteger = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

export class ListNotesQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: PAGE_MAX, default: 1 })
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(PAGE_MAX)
  page = 1;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: PAGE_SIZE_MAX, default: 20 })
  @Transform(toInteger)
  @IsInt()
  @Min(1)
  @Max(PAGE_SIZE_MAX)
  pageSize = 20;
}
