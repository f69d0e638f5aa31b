import { ApiProperty, PartialType } from '@nestjs/swagger';
import { IsString, Length, MaxLength } from 'class-validator';

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

/** PATCH: any subset of the fields, each validated as on create. */
export class UpdateNoteDto extends PartialType(CreateNoteDto) {}
