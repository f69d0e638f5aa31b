import { setTimeout as sleep } from 'node:timers/promises';

import type { INestApplication, LoggerService } from '@nestjs/common';

import type { AppConfig } from '../config/config.schema';
import { stopTracing } from '../tracing/tracing-lifecycle';
import { ShutdownState } from './shutdown-state';

/**
 * On SIGTERM (or SIGINT): readiness answers 503 at once so the load balancer stops sending
 * traffic; keep serving for SHUTDOWN_DELAY_MS while it notices; then stop accepting
 * connections and let requests in flight finish, for at most SHUTDOWN_DRAIN_MS; then close
 * the database pool and Redis (their onApplicationShutdown hooks), send the last spans where
 * tracing is on, and exit 0, or 1 when the drain time ran out.
 */
export function installGracefulShutdown(
  app: INestApplication,
  config: AppConfig,
  logger: LoggerService,
): void {
  let started = false;

  const shutdown = async (signal: NodeJS.Signals): Promise<void> => {
    if (started) return;
    started = true;
    app.get(ShutdownState).begin();
    logger.log(
      `${signal} received: readiness now fails; closing in ${config.SHUTDOWN_DELAY_MS} ms`,
    );
    await sleep(config.SHUTDOWN_DELAY_MS);

    const drainTimeout = Symbol('drain timeout');
    const outcome = await Promise.race([
      app.close().then(() => 'closed' as const),
      sleep(config.SHUTDOWN_DRAIN_MS, drainTimeout, { ref: false }),
    ]);
    if (outcome === drainTimeout) {
      logger.error(`requests still in flight after ${config.SHUTDOWN_DRAIN_MS} ms: exiting`);
      process.exit(1);
    }
    await stopTracing();
    logger.log('shutdown complete');
    process.exit(0);
  };

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => void shutdown(signal));
  }
}
