import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';

import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { RefreshTokensService } from './refresh-tokens.service';

/**
 * Deletes expired refresh-token rows every REFRESH_TOKEN_PURGE_INTERVAL_SECONDS, in every
 * API process: the DELETE is harmless to run on several replicas at once. Registered with
 * @nestjs/schedule's registry (an @Interval() decorator cannot read the configuration), which
 * clears it when the application shuts down.
 */
@Injectable()
export class RefreshTokenPurge implements OnApplicationBootstrap {
  private readonly logger = new Logger(RefreshTokenPurge.name);

  constructor(
    private readonly refreshTokens: RefreshTokensService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const intervalMs = this.config.REFRESH_TOKEN_PURGE_INTERVAL_SECONDS * 1000;
    this.scheduler.addInterval(
      RefreshTokenPurge.name,
      setInterval(() => void this.run(), intervalMs),
    );
    // Also once at start-up: with deploys more frequent than the interval, waiting first
    // could mean never running at all.
    void this.run();
  }

  async run(): Promise<void> {
    try {
      const count = await this.refreshTokens.purgeExpired();
      if (count > 0) this.logger.log(`${count} expired refresh tokens purged`);
    } catch (error) {
      // A failed round (database away) is retried at the next interval.
      this.logger.warn(`refresh token purge failed: ${String(error)}`);
    }
  }
}
