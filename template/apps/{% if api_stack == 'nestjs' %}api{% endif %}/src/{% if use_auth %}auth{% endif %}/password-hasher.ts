import { Injectable } from '@nestjs/common';
import argon2, { type HashOptions } from 'argon2';
import { Semaphore } from 'async-mutex';

/**
 * argon2id at OWASP's minimum: m=19 MiB (19456 KiB), t=2 passes, p=1 lane. The FastAPI stack
 * uses the same, so a database moves between stacks. Each hash or verification in progress
 * holds its memory cost: verifying a hash stored with the library's former defaults (64 MiB,
 * t=3, p=4) holds 64 MiB until that user's next login stores a new one.
 */
const PARAMETERS: HashOptions = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
};

/**
 * argon2 runs on libuv's thread pool (4 threads), which response compression (zlib), DNS
 * lookups and file reads share: two hashes at most leave them two threads, and bound hashing
 * memory to two memory costs (compose.prod.yaml has the sum). Two keep the default 2-vCPU
 * server's cores busy; more would not finish sooner. Logins beyond them wait their turn.
 */
const HASHING_SLOTS = 2;

@Injectable()
export class PasswordHasher {
  private readonly slots = new Semaphore(HASHING_SLOTS);
  // Verified against when an e-mail is unknown, so both failures take the same time.
  private readonly decoy = this.hash('decoy password, never matches');

  hash(password: string): Promise<string> {
    return this.slots.runExclusive(() => argon2.hash(password, PARAMETERS));
  }

  async verify(hash: string | undefined, password: string): Promise<boolean> {
    const digest = hash ?? (await this.decoy);
    const matches = await this.slots.runExclusive(() => argon2.verify(digest, password));
    return hash !== undefined && matches;
  }

  /** Made with other parameters than today's: worth a new hash while the password is known. */
  needsRehash(hash: string): boolean {
    return argon2.needsRehash(hash, PARAMETERS);
  }
}
