import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import * as schema from '@app/database';
import { drizzle, type NodePgDatabase, type NodePgQueryResultHKT } from 'drizzle-orm/node-postgres';
import type { PgDatabase } from 'drizzle-orm/pg-core';
import { Pool } from 'pg';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';

/** Injection token of the pg connection pool (readiness checks use it directly). */
export const PG_POOL = Symbol('PG_POOL');
/** Injection token of the typed query builder over the pool. */
export const DATABASE = Symbol('DATABASE');
export type Database = NodePgDatabase<typeof schema>;
/** What the database and a transaction have in common: run queries. */
export type Queries = PgDatabase<NodePgQueryResultHKT, typeof schema>;

/** PostgreSQL through one bounded connection pool per process. */
@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => {
        const pool = new Pool({
          connectionString: config.DATABASE_URL,
          max: config.DB_POOL_MAX,
          idleTimeoutMillis: config.DB_POOL_IDLE_TIMEOUT_MS,
          connectionTimeoutMillis: config.DB_POOL_CONNECT_TIMEOUT_MS,
          application_name: config.APP_NAME,
        });
        // An idle client losing its connection emits 'error' on the pool; unhandled, that
        // would crash the process. The pool drops the client and readiness reports the rest.
        pool.on('error', (error) => {
          new Logger('Database').warn(`idle PostgreSQL client failed: ${error.message}`);
        });
        return pool;
      },
    },
    {
      provide: DATABASE,
      inject: [PG_POOL],
      useFactory: (pool: Pool): Database => drizzle(pool, { schema }),
    },
  ],
  exports: [PG_POOL, DATABASE],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  // After the HTTP server has closed, so requests still in flight keep their connections.
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}
