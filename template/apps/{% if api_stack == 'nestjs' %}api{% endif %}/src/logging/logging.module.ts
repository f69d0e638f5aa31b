import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';

/**
 * Nest's Logger on the application's pino logger (see pino-options.ts). With `useExisting`,
 * nestjs-pino keeps the request logger Fastify made (request.log) in async context, so what
 * services log while handling a request carries its id; outside requests it logs through
 * the same logger. Request lines come from request-logging.hooks.ts.
 */
@Module({})
export class LoggingModule {
  static forRoot(logger: Logger): DynamicModule {
    return {
      module: LoggingModule,
      imports: [LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true })],
    };
  }
}
