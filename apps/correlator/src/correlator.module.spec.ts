import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventLogModule, MemoryEventLog } from '#kafka';
import { ObservabilityModule } from '#observability';
import { parseCorrelatorConfig } from './config/correlator.config.js';
import { CorrelatorModule } from './correlator.module.js';
import { CorrelatorRuntime, type EngineFeeder } from './correlator.runtime.js';
import { FakeEngine } from '../../../test/support/fake-engine.js';
import { connect } from '../../../test/support/grpc-test-client.js';

/** A feeder whose catch-up the test releases, to see readiness follow it. */
class ScriptedFeeder implements EngineFeeder {
  release!: () => void;
  private readonly done = new Promise<void>((r) => (this.release = r));
  stopped = false;
  async start() {}
  caughtUp() {
    return this.done;
  }
  async stop() {
    this.stopped = true;
  }
}

const payloads: unknown[] = [];
const feeder = new ScriptedFeeder();

@Module({
  imports: [
    EventLogModule.forRoot(() => new MemoryEventLog()),
    ObservabilityModule,
    CorrelatorModule.forRoot({
      config: parseCorrelatorConfig({ cluster: 'test', grpc: { host: '127.0.0.1', port: 0 } }),
      engine: () => new FakeEngine(),
      feeder: () => feeder,
      alertSink: () => ({
        accept: async (payload: unknown) => {
          const p = payload as { alerts: Array<{ labels: Record<string, string> }> };
          if (p.alerts.some((a) => !a.labels.alertname))
            throw Object.assign(new Error('alerts.0.labels.alertname: required'), { name: 'ZodError' });
          payloads.push(payload);
          return p.alerts.length;
        },
      }),
    }),
  ],
})
class TestRoot {}

describe('CorrelatorModule', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await NestFactory.create(TestRoot, { logger: false });
    app.enableShutdownHooks();
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('is not ready (HTTP and gRPC health) until the graph is rebuilt, then serves', async () => {
    const runtime = app.get(CorrelatorRuntime);
    const client = connect(runtime.grpcPort);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    expect(await client.healthCheck({})).toEqual({ status: 'NOT_SERVING' });
    feeder.release();
    await runtime.whenReady();
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect(await client.healthCheck({})).toEqual({ status: 'SERVING' });
    expect(await client.rankCauses({})).toMatchObject({ causes: [] });
    client.close();
  });

  it('takes Alertmanager v4 notifications over HTTP', async () => {
    const payload = {
      version: '4',
      status: 'firing',
      receiver: 'ia',
      groupKey: '{}:{}',
      alerts: [
        {
          status: 'firing',
          labels: { alertname: 'HighErrorRate', namespace: 'shop', service: 'frontend' },
          startsAt: '2025-06-05T04:16:04.904Z',
        },
      ],
    };
    const res = await fetch(`${base}/api/v1/alertmanager`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
    });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: 1 });
    expect(payloads).toHaveLength(1);
  });

  it('answers a bad webhook payload with 400 and a clear message, and counts it', async () => {
    const post = (body: string) =>
      fetch(`${base}/api/v1/alertmanager`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
    const wrongVersion = await post(JSON.stringify({ version: '3', status: 'firing', alerts: [] }));
    expect(wrongVersion.status).toBe(400);
    expect(((await wrongVersion.json()) as { message: string }).message).toMatch(/version must be "4"/);
    const noAlerts = await post(JSON.stringify({ version: '4', status: 'firing' }));
    expect(((await noAlerts.json()) as { message: string }).message).toMatch(/alerts/);
    const rejectedByIntake = await post(
      JSON.stringify({ version: '4', status: 'firing', alerts: [{ labels: {} }] }),
    );
    expect(rejectedByIntake.status).toBe(400);
    expect(((await rejectedByIntake.json()) as { message: string }).message).toMatch(/alertname/);
    expect((await post('{not json')).status).toBe(400);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/ia_alertmanager_notifications_total\{outcome="rejected"\} [34]/);
  });

  it('shuts down cleanly: gRPC server stopped, feeder stopped', async () => {
    const port = app.get(CorrelatorRuntime).grpcPort;
    await app.close();
    expect(feeder.stopped).toBe(true);
    const client = connect(port);
    await expect(client.healthCheck({}, { deadline: Date.now() + 500 })).rejects.toMatchObject({
      code: expect.any(Number),
    });
    client.close();
  });
});
