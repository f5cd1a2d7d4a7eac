import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { DLQ_HEADERS, encodeMessage, TOPICS } from '#contracts';
import { HUB_PROTO, loadProtos, serviceDefinition } from '#grpc';
import { MemoryEventLog } from '#kafka';
import { parseCorrelatorConfig } from '../config/correlator.config.js';
import { makeChange } from '../../../../test/support/fake-engine.js';
import { HubForwarder } from './hub-forwarder.js';

interface Received {
  namespace: string;
  resourceKey: string;
  eventType: string;
  data: Buffer;
  apiKey: string;
}

/** A hub on 127.0.0.1 speaking kube_controller_event.EventService, scripted per call. */
async function fakeHub(answer: (n: number) => { ack: boolean } | grpc.status) {
  const received: Received[] = [];
  const server = new grpc.Server();
  server.addService(serviceDefinition(loadProtos([HUB_PROTO]), 'kube_controller_event.EventService'), {
    emitEvent: (call: grpc.ServerUnaryCall<Received, unknown>, cb: grpc.sendUnaryData<unknown>) => {
      received.push(call.request);
      const a = answer(received.length);
      if (typeof a === 'number') cb({ code: a, details: 'scripted failure' });
      else cb(null, { acknowledged: a.ack });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  return { port, received, stop: () => new Promise<void>((r) => server.tryShutdown(() => r())) };
}

function settings(port: number) {
  return parseCorrelatorConfig({
    forwarder: {
      enabled: true,
      address: `127.0.0.1:${port}`,
      apiKey: 'hub-key-123',
      attempts: 3,
      initialBackoffMs: 10,
      maxBackoffMs: 20,
      callTimeoutMs: 1_000,
    },
  }).forwarder;
}

async function until(check: () => boolean, ms = 5_000) {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const stops: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const s of stops.splice(0).reverse()) await s();
});

describe('HubForwarder', () => {
  it('sends each change as EmitEvent with the changed paths, the API key and the legacy event type', async () => {
    const hub = await fakeHub(() => ({ ack: true }));
    const log = new MemoryEventLog(2);
    const forwarder = new HubForwarder(log, settings(hub.port));
    stops.push(hub.stop, () => forwarder.stop());
    await forwarder.start();
    const secretChange = makeChange({
      kind: 'Secret',
      name: 'db-credentials',
      changedAt: '2025-06-05T04:00:00.000Z',
      classes: ['secret-rotation'],
      paths: [{ path: '/data/password', op: 'replace', old: 'sha256:aaaa', new: 'sha256:bbbb' }],
    });
    await log.publish(TOPICS.changes.name, [{ key: 'k', value: encodeMessage(secretChange) }]);
    await until(() => hub.received.length === 1);
    const [event] = hub.received;
    expect(event).toMatchObject({
      namespace: 'shop',
      resourceKey: 'test/core/Secret/shop/db-credentials',
      eventType: 'MODIFIED',
      apiKey: 'hub-key-123',
    });
    expect(JSON.parse(event.data.toString())).toEqual({
      '/data/password': { old: 'sha256:aaaa', new: 'sha256:bbbb' },
    });
  });

  it('retries a failing hub with backoff and delivers once it recovers', async () => {
    const hub = await fakeHub((n) => (n < 3 ? grpc.status.UNAVAILABLE : { ack: true }));
    const log = new MemoryEventLog(1);
    const forwarder = new HubForwarder(log, settings(hub.port));
    stops.push(hub.stop, () => forwarder.stop());
    await forwarder.start();
    await log.publish(TOPICS.changes.name, [
      { key: 'k', value: encodeMessage(makeChange({ name: 'a', changedAt: '2025-06-05T04:00:00.000Z' })) },
    ]);
    await until(() => hub.received.length === 3);
    await until(() => log.drained('ia-hub-forwarder', [TOPICS.changes.name]) as unknown as boolean);
    expect(log.records(TOPICS.deadLetter.name)).toHaveLength(0);
  });

  it('dead-letters with the reason after bounded retries, and goes on with the next change', async () => {
    const hub = await fakeHub((n) => (n <= 3 ? { ack: false } : { ack: true }));
    const log = new MemoryEventLog(1);
    const forwarder = new HubForwarder(log, settings(hub.port));
    stops.push(hub.stop, () => forwarder.stop());
    await forwarder.start();
    await log.publish(TOPICS.changes.name, [
      {
        key: 'k',
        value: encodeMessage(makeChange({ name: 'first', changedAt: '2025-06-05T04:00:00.000Z' })),
      },
      {
        key: 'k',
        value: encodeMessage(makeChange({ name: 'second', changedAt: '2025-06-05T04:01:00.000Z' })),
      },
    ]);
    await until(() => hub.received.length === 4);
    await until(() => log.records(TOPICS.deadLetter.name).length === 1);
    const [dead] = log.records(TOPICS.deadLetter.name);
    expect(dead.headers[DLQ_HEADERS.reason]).toMatch(/failed after 3 attempts: hub did not acknowledge/);
    expect(dead.headers[DLQ_HEADERS.consumerGroup]).toBe('ia-hub-forwarder');
    expect(hub.received.at(-1)!.resourceKey).toMatch(/second$/);
  });

  it('dead-letters at once when the hub refuses the API key, and keeps running when the hub is absent', async () => {
    const hub = await fakeHub(() => grpc.status.UNAUTHENTICATED);
    const log = new MemoryEventLog(1);
    const forwarder = new HubForwarder(log, settings(hub.port));
    stops.push(hub.stop, () => forwarder.stop());
    await forwarder.start();
    await log.publish(TOPICS.changes.name, [
      { key: 'k', value: encodeMessage(makeChange({ name: 'a', changedAt: '2025-06-05T04:00:00.000Z' })) },
    ]);
    await until(() => log.records(TOPICS.deadLetter.name).length === 1);
    expect(hub.received).toHaveLength(1);
    expect(log.records(TOPICS.deadLetter.name)[0].headers[DLQ_HEADERS.reason]).toMatch(
      /rejected: hub answered UNAUTHENTICATED/,
    );
    expect(log.records(TOPICS.deadLetter.name)[0].headers[DLQ_HEADERS.reason]).not.toContain('hub-key-123');

    await hub.stop();
    await log.publish(TOPICS.changes.name, [
      { key: 'k', value: encodeMessage(makeChange({ name: 'b', changedAt: '2025-06-05T04:00:00.000Z' })) },
    ]);
    await until(() => log.records(TOPICS.deadLetter.name).length === 2);
    expect(log.records(TOPICS.deadLetter.name)[1].headers[DLQ_HEADERS.reason]).toMatch(/UNAVAILABLE/);
  });
});
