// `make migrate`: apply pending migrations to DATABASE_URL (from the environment, the file
// DATABASE_URL_FILE names, as on the server, or from .env in the working directory).
import { existsSync } from 'node:fs';

import { runMigrations } from './migrations';
import { withSecretFiles } from './secret-files';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const databaseUrl = withSecretFiles(process.env, ['DATABASE_URL']).DATABASE_URL;
  if (!databaseUrl) {
    console.error('Invalid configuration: DATABASE_URL is required');
    process.exit(1);
  }
  await runMigrations(databaseUrl);
  console.log('migrations applied');
}

main().catch((error: unknown) => {
  console.error('migration failed:', error instanceof Error ? error.message : error);
  process.exit(1);
});
