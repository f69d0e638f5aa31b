import type { User } from '@app/database';
import { ApiProperty } from '@nestjs/swagger';

/** A user as the API shows it: never the password hash. */
export class UserView {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'email' }) email!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;

  static of(user: User): UserView {
    return { id: user.id, email: user.email, createdAt: user.createdAt.toISOString() };
  }
}
