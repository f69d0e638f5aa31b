import { existsSync } from 'node:fs';
import path from 'node:path';

import { runMigrations } from '@app/database';
import { Client } from 'pg';

// Runs once per e2e run: creates a fresh database next to the one DATABASE_URL names,
// migrates it, hands its URL to the tests (E2E_DATABASE_URL), and drops it at the end.
// DATABASE_URL and REDIS_URL come from the environment, else from the repository's .env.

const rootEnv = path.resolve(__dirname, '../../../.env');

async function admin<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  if (existsSync(rootEnv)) process.loadEnvFile(rootEnv);
  const base = process.env.DATABASE_URL;
  if (!base || !process.env.REDIS_URL) {
    throw new Error('e2e tests need DATABASE_URL and REDIS_URL (environment or .env)');
  }
  const url = new URL(base);
  const name = `e2e_${Date.now().toString(36)}_${process.pid}`;
  await admin(base, (client) => client.query(`CREATE DATABASE ${name}`));
  url.pathname = `/${name}`;
  const testUrl = url.toString();
  await runMigrations(testUrl);
  process.env.E2E_DATABASE_URL = testUrl;

  return async () => {
    await admin(base, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
  };
}
