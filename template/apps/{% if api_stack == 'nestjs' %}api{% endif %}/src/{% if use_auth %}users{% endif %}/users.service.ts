import { type User, users } from '@app/database';
import { ConflictException, Inject, Injectable } from '@nestjs/common';
import { eq } from 'drizzle-orm';

import { DATABASE, type Database } from '../database/database.module';
import { isUniqueViolation } from '../database/postgres-errors';

/** E-mail addresses are compared without case: stored lower-cased. */
const normalise = (email: string) => email.trim().toLowerCase();

@Injectable()
export class UsersService {
  constructor(@Inject(DATABASE) private readonly db: Database) {}

  async create(email: string, passwordHash: string): Promise<User> {
    try {
      const [user] = await this.db
        .insert(users)
        .values({ email: normalise(email), passwordHash })
        .returning();
      if (!user) throw new Error('INSERT returned no row');
      return user;
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('E-mail already registered');
      throw error;
    }
  }

  async findByEmail(email: string): Promise<User | undefined> {
    const [user] = await this.db
      .select()
      .from(users)
      .where(eq(users.email, normalise(email)));
    return user;
  }

  async setPasswordHash(id: string, passwordHash: string): Promise<void> {
    await this.db.update(users).set({ passwordHash }).where(eq(users.id, id));
  }

  async findById(id: string): Promise<User | undefined> {
    const [user] = await this.db.select().from(users).where(eq(users.id, id));
    return user;
  }
}
