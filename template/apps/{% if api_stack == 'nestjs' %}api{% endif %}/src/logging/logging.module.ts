import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/**
 * Nest's Logger on the application's pino logger (see pino-options.ts). What services log
 * while handling a request carries its id (request-context.ts); outside requests it logs
 * through the same logger. Request lines come from request-log.ts.
 */
@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      // No routes for its middleware: request-context.ts enters the request's context.
      imports: [LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true, forRoutes: [] })],
    };
  }
}
