import { Controller, Get, Header } from '@nestjs/common';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { metricsRegistry } from './metrics.js';
import { ReadinessRegistry } from './readiness.registry.js';

@Controller()
export class ObservabilityController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly readiness: ReadinessRegistry,
  ) {}

  /** Liveness: the event loop answers. Never depends on Kafka, so a broker outage does not restart pods. */
  @Get('healthz')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('readyz')
  @HealthCheck()
  ready() {
    return this.health.check(this.readinessNames().length === 0 ? [] : [async () => this.readinessResult()]);
  }

  private readinessNames() {
    return this.readiness.names();
  }

  private async readinessResult() {
    const results = await this.readiness.evaluate();
    const session = this.indicators.check('components');
    const notReady = Object.entries(results).filter(([, v]) => !v.ready);
    return notReady.length === 0
      ? session.up({ components: results })
      : session.down({ components: results });
  }

  @Get('metrics')
  @Header('Content-Type', metricsRegistry.contentType)
  metrics(): Promise<string> {
    return metricsRegistry.metrics();
  }
}
