import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';

import { SkipRateLimit } from '../throttling/rate-limit-bucket.decorator';
import { MetricsService } from './metrics.service';

@ApiTags('metrics')
@SkipRateLimit()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus scrapes this (text exposition format 0.0.4). */
  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiOkResponse({ description: 'Prometheus text format' })
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
