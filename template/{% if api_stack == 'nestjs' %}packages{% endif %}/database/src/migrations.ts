import path from 'node:path';

import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import { Pool } from 'pg';

/** The committed SQL migrations, next to dist/ and src/ in this package. */
export const migrationsFolder = path.join(__dirname, '..', 'migrations');

/**
 * Apply every migration not yet applied to the database at `databaseUrl`.
 * drizzle records applied migrations in drizzle.__drizzle_migrations and runs the pending
 * ones in one transaction, so a failed migration leaves the database as it was.
 */
export async function runMigrations(databaseUrl: string): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: 1 });
  try {
    await migrate(drizzle(pool), { migrationsFolder });
  } finally {
    await pool.end();
  }
}
