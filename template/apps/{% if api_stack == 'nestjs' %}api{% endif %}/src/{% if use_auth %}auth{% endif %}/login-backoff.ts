import { createHmac } from 'node:crypto';

import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { REDIS } from '../redis/redis.module';

const FAILURES_FORGOTTEN_AFTER_MS = 24 * 3600 * 1000;

/**
 * One atomic step per attempt, counted before the password check: a burst of parallel
 * guesses cannot all slip in before the first failure is recorded. The lock it sets holds its
 * own length, so that a failure can restart it (RESTART_LOCK): it then runs from the 401.
 * KEYS: failures in a row, lock. ARGV: failures allowed, first lock, longest lock, memory (ms).
 * Returns the milliseconds the e-mail stays locked, or 0: go ahead (and the attempt counts).
 */
const ATTEMPT = `
local locked_ms = redis.call('PTTL', KEYS[2])
if locked_ms > 0 then return locked_ms end
local failures = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local over = failures - tonumber(ARGV[1])
if over >= 0 then
  local lock_ms = math.floor(math.min(tonumber(ARGV[2]) * 2 ^ over, tonumber(ARGV[3])))
  redis.call('SET', KEYS[2], lock_ms, 'PX', lock_ms)
end
return 0
`;

/** KEYS: the lock. After a failed check: the lock, if the attempt set one, starts now. */
const RESTART_LOCK = `
local lock_ms = redis.call('GET', KEYS[1])
if lock_ms then redis.call('PEXPIRE', KEYS[1], lock_ms) end
return 0
`;

/**
 * Per-account login backoff: failed logins of one e-mail, from any address, lock it a while.
 *
 * Counted per e-mail whether an account has it or not, so no answer tells which e-mails are
 * registered: after LOGIN_BACKOFF_AFTER_FAILURES failures in a row, logins of that e-mail get
 * 429 with Retry-After for LOGIN_BACKOFF_SECONDS, doubled by every further failure up to
 * LOGIN_BACKOFF_MAX_SECONDS. While locked, the password is not even checked, so the answer
 * cannot depend on it. A successful login starts the count afresh; a day without failures
 * forgets them.
 *
 * The per-client limits (throttling/) slow one address down; this slows down guessing one
 * account's password from many addresses. Redis holds an HMAC of the e-mail (keyed with
 * JWT_ACCESS_SECRET), never the e-mail: its keys neither list who tried to log in nor confirm
 * a guessed address. If Redis is unreachable, logins go on unchecked (fail open), like the
 * limits.
 */
@Injectable()
export class LoginBackoff {
  private readonly logger = new Logger('LoginBackoff');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Count a login attempt of `email`; the whole seconds it stays locked, else 0. */
  async admit(email: string): Promise<number> {
    const { LOGIN_BACKOFF_AFTER_FAILURES, LOGIN_BACKOFF_SECONDS, LOGIN_BACKOFF_MAX_SECONDS } =
      this.config;
    const lockedMs = await this.failOpen('login allowed', () =>
      this.redis.eval(
        ATTEMPT,
        2,
        ...this.keys(email),
        LOGIN_BACKOFF_AFTER_FAILURES,
        LOGIN_BACKOFF_SECONDS * 1000,
        LOGIN_BACKOFF_MAX_SECONDS * 1000,
        FAILURES_FORGOTTEN_AFTER_MS,
      ),
    );
    return typeof lockedMs === 'number' && lockedMs > 0
      ? Math.max(1, Math.ceil(lockedMs / 1000))
      : 0;
  }

  /** After a wrong password or an unknown e-mail: a lock starts from this answer. */
  async failed(email: string): Promise<void> {
    const [, lock] = this.keys(email);
    await this.failOpen('lock not restarted', () => this.redis.eval(RESTART_LOCK, 1, lock));
  }

  /** After a successful login: the next failure is the first again. */
  async reset(email: string): Promise<void> {
    await this.failOpen('failures not reset', () => this.redis.del(...this.keys(email)));
  }

  private keys(email: string): [string, string] {
    const id = createHmac('sha256', this.config.JWT_ACCESS_SECRET)
      .update(`login-backoff:${email.trim().toLowerCase()}`)
      .digest('hex');
    // {...}: both keys of one e-mail in one Redis Cluster slot, as a script needs.
    const tag = `login-backoff:{${id}}`;
    return [`${tag}:failures`, `${tag}:lock`];
  }

  private async failOpen(outcome: string, command: () => Promise<unknown>): Promise<unknown> {
    try {
      return await command();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`login backoff unavailable, ${outcome}: ${reason}`);
      return undefined;
    }
  }
}
