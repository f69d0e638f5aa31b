import { Controller, Get, HttpStatus, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { ShutdownState } from '../shutdown/shutdown-state';
import { SkipRateLimit } from '../throttling/rate-limit-bucket.decorator';
import { DependencyChecks } from './dependency-checks';

@ApiTags('health')
@SkipRateLimit()
@Controller('health')
export class HealthController {
  constructor(
    private readonly checks: DependencyChecks,
    private readonly shutdown: ShutdownState,
  ) {}

  /** Liveness: the process answers. Never touches a dependency. */
  @Get()
  @ApiOkResponse({ description: 'The process is alive' })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: PostgreSQL and Redis answer, and no shutdown has begun. */
  @Get('ready')
  @ApiOkResponse({ description: 'Ready for traffic' })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down, or shutting down' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    if (this.shutdown.isShuttingDown) {
      void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
      return { status: 'shutting_down', details: {} };
    }
    const details = await this.checks.run();
    const healthy = Object.values(details).every((result) => result.status === 'up');
    if (!healthy) void reply.status(HttpStatus.SERVICE_UNAVAILABLE);
    return { status: healthy ? 'ok' : 'error', details };
  }
}
