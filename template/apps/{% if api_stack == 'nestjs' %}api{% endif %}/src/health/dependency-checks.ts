import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type { Pool } from 'pg';

import { PG_POOL } from '../database/database.module';
import { REDIS } from '../redis/redis.module';
import { withTimeout } from './with-timeout';

export type CheckResult = { status: 'up' } | { status: 'down'; message: string };

// Well under a load balancer's health-check timeout.
const CHECK_TIMEOUT_MS = 2_000;

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  try {
    await withTimeout(probe(), CHECK_TIMEOUT_MS);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', message: error instanceof Error ? error.message : String(error) };
  }
}

/** The dependencies readiness depends on, each probed with a round trip and a timeout. */
@Injectable()
export class DependencyChecks {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  async run(): Promise<{ postgres: CheckResult; redis: CheckResult }> {
    const [postgres, redis] = await Promise.all([
      check(() => this.pool.query('SELECT 1')),
      check(() => this.redis.ping()),
    ]);
    return { postgres, redis };
  }
}
