import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { EventLogModule, MemoryEventLog } from '#kafka';
import { ObservabilityModule, ReadinessRegistry } from '#observability';
import { parseDifferConfig } from './config/differ.config.js';
import { DifferModule } from './differ.module.js';
import { DifferProcessor } from './differ.processor.js';

describe('DifferModule', () => {
  it('starts the processor, registers readiness and stops on close', async () => {
    @Module({
      imports: [
        ObservabilityModule,
        EventLogModule.forRoot(() => new MemoryEventLog()),
        DifferModule.forRoot({
          config: parseDifferConfig({ groupId: 'module-test', ignoreKinds: 'Lease,Endpoints' }),
        }),
      ],
    })
    class Root {}
    const app = await NestFactory.createApplicationContext(Root, { logger: false });
    const readiness = app.get(ReadinessRegistry);
    expect(readiness.names()).toContain('differ');
    await expect.poll(() => readiness.evaluate()).toMatchObject({ differ: { ready: true } });
    const processor = app.get(DifferProcessor);
    await app.close();
    expect(processor.readiness().ready).toBe(false);
  });
});
