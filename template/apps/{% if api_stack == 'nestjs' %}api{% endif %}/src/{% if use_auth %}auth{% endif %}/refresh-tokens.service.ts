import { createHash, randomBytes, randomUUID } from 'node:crypto';

import { refreshTokens } from '@app/database';
import { Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { and, eq, isNull, lt } from 'drizzle-orm';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { DATABASE, type Database, type Queries } from '../database/database.module';
import { successorOf } from './refresh-token-successor';

const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');
const invalid = () => new UnauthorizedException('Invalid refresh token');

/**
 * Opaque, rotating refresh tokens. Only SHA-256 hashes are stored. Each login starts a
 * family; each refresh spends the presented token and issues the next one in its family.
 * A spent token presented again within REFRESH_TOKEN_REUSE_GRACE_SECONDS (two tabs, a retry
 * after a timeout) gets the same successor again; later, it means a copy leaked: the whole
 * family is revoked, so the thief's and the owner's tokens both stop working and the owner
 * has to log in again.
 */
@Injectable()
export class RefreshTokensService {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A new random token for `userId`, in a new family. */
  async issue(userId: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.insert(userId, randomUUID(), token, this.db);
    return token;
  }

  /** Spend `token` and return its user with the next token of the family. */
  async rotate(token: string): Promise<{ userId: string; token: string }> {
    const successor = successorOf(token, this.config.JWT_ACCESS_SECRET);
    const outcome = await this.db.transaction(async (tx) => {
      // FOR UPDATE: concurrent refreshes with one token queue here; the first spends it and
      // inserts the successor, the others then find it spent (and the successor committed).
      const [row] = await tx
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, sha256(token)))
        .for('update');
      if (row === undefined) return 'invalid';
      if (row.revokedAt !== null || row.expiresAt <= new Date()) return 'invalid';
      if (row.usedAt === null) {
        await tx
          .update(refreshTokens)
          .set({ usedAt: new Date() })
          .where(eq(refreshTokens.id, row.id));
        await this.insert(row.userId, row.familyId, successor, tx);
        return { userId: row.userId, token: successor };
      }
      if (this.withinGrace(row.usedAt)) {
        // Rotating JWT_ACCESS_SECRET since would derive a successor that was never issued.
        const issued = await this.isLive(successor, row.familyId, tx);
        return issued ? { userId: row.userId, token: successor } : 'invalid';
      }
      await this.revokeFamilyOf(row.familyId, tx);
      return 'reused';
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

  /**
   * Delete rows expired more than REFRESH_TOKEN_PURGE_RETENTION_SECONDS ago; returns how
   * many. Spent and revoked rows stay until they expire: a spent token presented again is
   * how reuse is detected. Running twice, or on several replicas at once, deletes no more.
   */
  async purgeExpired(): Promise<number> {
    const retentionMs = this.config.REFRESH_TOKEN_PURGE_RETENTION_SECONDS * 1000;
    const deleted = await this.db
      .delete(refreshTokens)
      .where(lt(refreshTokens.expiresAt, new Date(Date.now() - retentionMs)));
    return deleted.rowCount ?? 0;
  }

  private async insert(userId: string, familyId: string, token: string, db: Queries) {
    await db.insert(refreshTokens).values({
      userId,
      familyId,
      tokenHash: sha256(token),
      expiresAt: new Date(Date.now() + this.config.REFRESH_TOKEN_TTL_SECONDS * 1000),
    });
  }

  private withinGrace(usedAt: Date): boolean {
    return Date.now() - usedAt.getTime() <= this.config.REFRESH_TOKEN_REUSE_GRACE_SECONDS * 1000;
  }

  private async isLive(token: string, familyId: string, db: Queries): Promise<boolean> {
    const [row] = await db
      .select({ id: refreshTokens.id })
      .from(refreshTokens)
      .where(
        and(
          eq(refreshTokens.tokenHash, sha256(token)),
          eq(refreshTokens.familyId, familyId),
          isNull(refreshTokens.revokedAt),
        ),
      );
    return row !== undefined;
  }

  private async revokeFamilyOf(familyId: string, db: Queries): Promise<void> {
    await db
      .update(refreshTokens)
      .set({ revokedAt: new Date() })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
  }
}
