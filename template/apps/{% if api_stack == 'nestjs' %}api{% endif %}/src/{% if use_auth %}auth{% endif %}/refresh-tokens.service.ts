import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { refreshTokens } from '@app/database';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { and, eq, isNull } from 'drizzle-orm';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { DATABASE, type Database, type Queries } from '../database/database.module';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const invalid = () => new UnauthorizedException('Invalid refresh token');

/**
 * Opaque, rotating refresh tokens. Only SHA-256 hashes are stored. Each login starts a
 * family; each refresh spends the presented token and issues the next one in its family.
 * Presenting a spent token again means a copy leaked: the whole family is revoked, so the
 * thief's and the owner's tokens both stop working and the owner has to log in again.
 */
@Injectable()
export class RefreshTokensService {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A new token for `userId`, in `familyId` or in a new family. */
  async issue(userId: string, familyId: string = randomUUID(), db: Queries = this.db) {
    const token = randomBytes(32).toString('base64url');
    await db.insert(refreshTokens).values({
      userId,
      familyId,
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000),
    });
    return token;
  }

  /** Spend `token` and return its user with the next token of the family. */
  async rotate(token: string): Promise<{ userId: string; token: string }> {
    const outcome = await this.db.transaction(async (tx) => {
      // FOR UPDATE: two concurrent refreshes with one token cannot both succeed.
      const [row] = await tx
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, sha256(token)))
        .for('update');
      if (row === undefined) return 'invalid';
      if (row.revokedAt !== null || row.expiresAt <= new Date()) return 'invalid';
      if (row.usedAt !== null) {
        await this.revokeFamilyOf(row.familyId, tx);
        return 'reused';
      }
      await tx
        .update(refreshTokens)
        .set({ usedAt: new Date() })
        .where(eq(refreshTokens.id, row.id));
      return { userId: row.userId, token: await this.issue(row.userId, row.familyId, tx) };
    });
    // Thrown after the transaction, so a reuse's revocation is committed.
    if (typeof outcome === 'string') throw invalid();
    return outcome;
  }

  /** Logout: revoke the family of `token`, if it is one of ours. */
  async revoke(token: string): Promise<void> {
    const [row] = await this.db
      .select({ familyId: refreshTokens.familyId })
      .from(refreshTokens)
      .where(eq(refreshTokens.tokenHash, sha256(token)));
    if (row) await this.revokeFamilyOf(row.familyId, this.db);
  }

  private async revokeFamilyOf(familyId: string, db: Queries): Promise<void> {
    await db
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  }
}
