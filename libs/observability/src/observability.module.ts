import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ObservabilityController } from './observability.controller.js';
import { ReadinessRegistry } from './readiness.registry.js';

/** /healthz, /readyz and /metrics for whichever roles run in the process. Import once, in the root module. */
@Global()
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [ObservabilityController],
  providers: [ReadinessRegistry],
  exports: [ReadinessRegistry],
})
export class ObservabilityModule {}
