// The database schema: the single source of truth for tables, read by drizzle-kit to write
// migrations and imported by the API for typed queries.
//
// The schema is the same whatever the template answers (with or without auth), so the
// migration history never forks between projects and switching auth on later needs no
// migration: without auth, notes simply have no owner.
import { index, pgTable, text, timestamp, uuid, varchar } from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable('users', {
  id: uuid('id').primaryKey().defaultRandom(),
  // Stored lower-cased, so uniqueness ignores case.
  email: varchar('email', { length: 320 }).notNull().unique(),
  passwordHash: text('password_hash').notNull(),
  createdAt: createdAt(),
});

// Opaque refresh tokens, stored only as SHA-256 hashes. Every login starts a family; each
// refresh spends one token and issues the next in the same family. A spent token used again
// after the grace window means a stolen copy: the whole family is revoked. Rows are purged
// by expiry (hence that index) once past the retention.
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: varchar('token_hash', { length: 64 }).notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    index('refresh_tokens_family_id_idx').on(table.familyId),
    index('refresh_tokens_expires_at_idx').on(table.expiresAt),
  ],
);

export const notes = pgTable(
  'notes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    // The owning user; NULL when the project runs without auth.
    ownerId: uuid('owner_id').references(() => users.id, { onDelete: 'cascade' }),
    title: varchar('title', { length: 200 }).notNull(),
    body: text('body').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // Serves "this owner's notes, newest first" pages.
  (table) => [index('notes_owner_id_created_at_idx').on(table.ownerId, table.createdAt.desc())],
);

export type User = typeof users.$inferSelect;
export type RefreshToken = typeof refreshTokens.$inferSelect;
export type Note = typeof notes.$inferSelect;
