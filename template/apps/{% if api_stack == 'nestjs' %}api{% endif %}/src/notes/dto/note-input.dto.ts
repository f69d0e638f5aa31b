import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, Length, MaxLength, ValidateIf } from 'class-validator';

export class CreateNoteDto {
  @ApiProperty({ minLength: 1, maxLength: 200, example: 'Groceries' })
  @IsString()
  @Length(1, 200)
  title!: string;

  @ApiProperty({ maxLength: 10_000, example: 'Milk, eggs, coffee' })
  @IsString()
  @MaxLength(10_000)
  body!: string;
}

// Left out is left alone; null is not a string (@IsOptional would let it through to a NOT
// NULL column: a 500 that Schemathesis found).
const sent = (_: object, value: unknown): boolean => value !== undefined;

/** PATCH: any subset of the fields, each validated as on create. */
export class UpdateNoteDto {
  @ApiPropertyOptional({ minLength: 1, maxLength: 200, example: 'Groceries' })
  @ValidateIf(sent)
  @IsString()
  @Length(1, 200)
  title?: string;

  @ApiPropertyOptional({ maxLength: 10_000, example: 'Milk, eggs, coffee' })
  @ValidateIf(sent)
  @IsString()
  @MaxLength(10_000)
  body?: string;
}
