import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anomalyKey, TOPICS, type AnomalySignal } from '#contracts';
import { ObservedEngine } from '#correlation';
import { INCIDENT_ASSISTANT_SERVICE } from '#grpc';
import { MemoryEventLog } from '#kafka';
import { parseCorrelatorConfig } from '../config/correlator.config.js';
import { ChangeFeed } from '../feed/change-feed.js';
import { IncidentTracker } from '../incidents/incident-tracker.js';
import { GrpcApiServer } from './grpc-api.server.js';
import { incidentAssistantHandlers } from './incident-assistant.handlers.js';
import { FakeEngine, makeAnomaly, makeChange } from '../../../../test/support/fake-engine.js';
import { connect, listServicesByReflection } from '../../../../test/support/grpc-test-client.js';

const config = parseCorrelatorConfig({
  cluster: 'test',
  grpc: { host: '127.0.0.1', port: 0, shutdownGraceMs: 500 },
});

function startServer(overrides: Partial<typeof config.grpc> = {}) {
  const fake = new FakeEngine();
  const engine = new ObservedEngine(fake);
  const feed = new ChangeFeed(100);
  const incidents = new IncidentTracker(engine, { ...config.incidents, rerankDebounceMs: 0 });
  engine.listen({ onChange: (c) => feed.publish(c), onAnomaly: (a) => incidents.onAnomaly(a) });
  const eventLog = new MemoryEventLog();
  const server = new GrpcApiServer(
    { ...config.grpc, ...overrides },
    incidentAssistantHandlers({
      engine,
      incidents,
      feed,
      log: eventLog,
      cluster: 'test',
      maxQueuedPerStream: 1000,
    }),
  );
  return { fake, engine, feed, incidents, eventLog, server };
}

const T0 = '2025-06-05T04:00:00.000Z';
const at = (min: number) => new Date(Date.parse(T0) + min * 60_000).toISOString();
const ts = (iso: string) => ({ seconds: String(Math.floor(Date.parse(iso) / 1000)), nanos: 0 });

function expectStatus(p: Promise<unknown>, code: grpc.status, detail?: RegExp) {
  return expect(p).rejects.toSatisfy(
    (e: grpc.ServiceError) => e.code === code && (!detail || detail.test(e.details)),
  );
}

describe('IncidentAssistant over gRPC', () => {
  const s = startServer();
  let client: ReturnType<typeof connect>;

  beforeAll(async () => {
    const port = await s.server.start();
    s.server.health.set('SERVING');
    client = connect(port);
    s.engine.applyChange(makeChange({ name: 'cartservice', changedAt: at(1), classes: ['scale-to-zero'] }));
    s.engine.applyChange(makeChange({ name: 'frontend', changedAt: at(5) }));
    s.engine.applyChange(makeChange({ name: 'redis', namespace: 'db', changedAt: at(6) }));
    s.fake.edges.push({
      from: 'shop/Deployment/frontend',
      to: 'shop/Deployment/cartservice',
      relation: 'calls',
    });
  });
  afterAll(async () => {
    client.close();
    await s.server.stop();
  });

  it('ranks causes with explanation, path, evidence and the change diff', async () => {
    const res = await client.rankCauses({
      at: ts(at(10)),
      symptom: { kind: 'Deployment', namespace: 'shop', name: 'frontend' },
      top: 2,
    });
    expect(res.causes).toHaveLength(2);
    expect(res.causes[0].resource).toMatchObject({ kind: 'Deployment', namespace: 'shop', name: 'frontend' });
    expect(res.causes[0].changedAt).toEqual(ts(at(5)));
    expect(res.causes[0].evidence).toEqual({ prior: 0.9, time: 0.5 });
    expect(res.causes[0].change.diff[0]).toMatchObject({
      path: '/spec/template/spec/containers/0/image',
      oldJson: '"shop/a:1"',
    });
    expect(res.causes[1].change.classes).toEqual(['scale-to-zero']);
    expect(s.fake.rankCalls.at(-1)).toMatchObject({ top: 2, lookbackMs: 7_200_000 });
  });

  it('answers INVALID_ARGUMENT with the reason for bad requests', async () => {
    await expectStatus(client.rankCauses({ top: 1000 }), grpc.status.INVALID_ARGUMENT, /top/);
    await expectStatus(
      client.rankCauses({ symptom: { kind: 'Deployment' } }),
      grpc.status.INVALID_ARGUMENT,
      /symptom.name: name is required/,
    );
    await expectStatus(client.rankCauses({ incidentId: 'inc-nope' }), grpc.status.NOT_FOUND, /inc-nope/);
    await expectStatus(client.getTimeline({}), grpc.status.INVALID_ARGUMENT, /resource/);
    await expectStatus(
      client.getTimeline({ resource: { kind: 'Deployment', name: 'x' }, from: ts(at(10)), to: ts(at(0)) }),
      grpc.status.INVALID_ARGUMENT,
      /from must not be after to/,
    );
    await expectStatus(client.getDependencyGraph({}), grpc.status.INVALID_ARGUMENT, /namespace, or a root/);
    await expectStatus(
      client.getDependencyGraph({ root: { kind: 'Deployment', name: 'a' }, depth: 50 }),
      grpc.status.INVALID_ARGUMENT,
      /depth/,
    );
    await expectStatus(
      client.reportAnomaly({ subject: { kind: 'Deployment', name: 'a' } }),
      grpc.status.INVALID_ARGUMENT,
      /reason is required/,
    );
    await expectStatus(
      client.reportAnomaly({ subject: { kind: 'Deployment', name: 'a' }, reason: 'x', severity: 'fatal' }),
      grpc.status.INVALID_ARGUMENT,
      /severity/,
    );
  });

  it('serves a timeline of changes and anomalies in a window', async () => {
    s.engine.applyAnomaly(makeAnomaly({ name: 'frontend', onset: at(7) }));
    const res = await client.getTimeline({
      resource: { kind: 'Deployment', namespace: 'shop', name: 'frontend' },
      from: ts(at(0)),
      to: ts(at(20)),
    });
    expect(res.entries.map((e: { entry: string }) => e.entry)).toEqual(['change', 'anomaly']);
    expect(res.entries[1].anomaly).toMatchObject({
      reason: 'HighErrorRate',
      status: 'firing',
      source: 'alertmanager',
    });
  });

  it('serves the dependency graph around a root, with edge attributes as a Struct', async () => {
    const res = await client.getDependencyGraph({
      root: { kind: 'Deployment', namespace: 'shop', name: 'frontend' },
      depth: 1,
    });
    expect(res.nodes.map((n: { id: string }) => n.id)).toEqual([
      'shop/Deployment/cartservice',
      'shop/Deployment/frontend',
    ]);
    expect(res.edges[0]).toMatchObject({
      relation: 'calls',
      attributes: { fields: { via: { stringValue: 'env' }, port: { numberValue: 8080 } } },
    });
  });

  it('groups anomalies into incidents and lists them with ranked causes', async () => {
    s.engine.applyAnomaly(makeAnomaly({ name: 'cartservice', onset: at(8), reason: 'CrashLoopBackOff' }));
    const res = await client.listIncidents({ topCauses: 1 });
    expect(res.incidents).toHaveLength(1);
    const [incident] = res.incidents;
    expect(incident.anomalies.map((a: { reason: string }) => a.reason)).toEqual([
      'HighErrorRate',
      'CrashLoopBackOff',
    ]);
    expect(incident.causes).toHaveLength(1);
    expect(incident.status).toBe('open');
    const ranked = await client.rankCauses({ incidentId: incident.incidentId });
    expect(s.fake.rankCalls.at(-1)?.anomalyIds).toHaveLength(2);
    expect(ranked.causes.length).toBeGreaterThan(0);
  });

  it('publishes a reported anomaly with source api to the anomalies topic', async () => {
    const res = await client.reportAnomaly({
      subject: { kind: 'Service', namespace: 'shop', name: 'checkout' },
      reason: 'SyntheticCheckFailed',
      severity: 'critical',
      onset: ts(at(9)),
      labels: { probe: 'blackbox' },
    });
    const records = s.eventLog.records(TOPICS.anomalies.name);
    expect(records).toHaveLength(1);
    const published = JSON.parse(records[0].value!.toString()) as AnomalySignal;
    expect(published).toMatchObject({
      anomalyId: res.anomalyId,
      source: 'api',
      cluster: 'test',
      onset: at(9),
      labels: { probe: 'blackbox' },
    });
    expect(records[0].headers.ce_type).toBe('io.incident-assistant.anomaly.v1');
  });

  it('keys a reported anomaly by its workload, as the differ and alert intake do', async () => {
    // Callers rarely name a Deployment's API group: keyed by the subject as given, this anomaly would go to
    // test/core/Deployment/... and another partition than the same Deployment's pod and alert signals.
    const res = await client.reportAnomaly({
      subject: { kind: 'Deployment', namespace: 'shop', name: 'checkout' },
      reason: 'SyntheticCheckFailed',
      severity: 'critical',
    });
    const record = s.eventLog.records(TOPICS.anomalies.name).at(-1)!;
    const published = JSON.parse(record.value!.toString()) as AnomalySignal;
    expect(published.anomalyId).toBe(res.anomalyId);
    expect(record.key).toBe('test/apps/Deployment/shop/checkout');
    expect(record.key).toBe(anomalyKey(published));
  });

  it('streams changes: replay since a time, then live, filtered', async () => {
    const stream = client.watchChanges({ namespace: 'shop', since: ts(at(4)) });
    const got: string[] = [];
    const twoLive = new Promise<void>((resolve) =>
      stream.on('data', (c: { resource: { name: string } }) => {
        got.push(c.resource.name);
        if (got.length === 3) resolve();
      }),
    );
    await new Promise((r) => setTimeout(r, 50));
    s.engine.applyChange(makeChange({ name: 'ignored', namespace: 'other', changedAt: at(11) }));
    s.engine.applyChange(makeChange({ name: 'live-1', changedAt: at(12) }));
    s.engine.applyChange(makeChange({ name: 'live-2', changedAt: at(13) }));
    await twoLive;
    expect(got).toEqual(['frontend', 'live-1', 'live-2']);
    stream.on('error', () => {}); // the client's own CANCELLED
    stream.cancel();
  });

  it('rejects an unknown change class in a watch with INVALID_ARGUMENT', async () => {
    const stream = client.watchChanges({ classes: ['nonsense'] });
    const err = await new Promise<grpc.ServiceError>((resolve) => stream.on('error', resolve));
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/classes/);
  });

  it('gives up a call whose deadline passes while the engine works', async () => {
    s.fake.rankDelayMs = 300;
    await expectStatus(client.rankCauses({}, { deadline: Date.now() + 100 }), grpc.status.DEADLINE_EXCEEDED);
    s.fake.rankDelayMs = 0;
  });

  it('reports health SERVING and lists its services by reflection', async () => {
    expect(await client.healthCheck({})).toEqual({ status: 'SERVING' });
    expect(await client.healthCheck({ service: INCIDENT_ASSISTANT_SERVICE })).toEqual({ status: 'SERVING' });
    await expectStatus(client.healthCheck({ service: 'nope' }), grpc.status.NOT_FOUND);
    const services = await listServicesByReflection(s.server.port);
    expect(services).toEqual(expect.arrayContaining([INCIDENT_ASSISTANT_SERVICE, 'grpc.health.v1.Health']));
  });
});

describe('bearer-token auth', () => {
  const token = 'a-long-enough-test-token-0123456789';
  const s = startServer({ authTokens: [token] });
  let port: number;
  beforeAll(async () => {
    port = await s.server.start();
    s.server.health.set('SERVING');
  });
  afterAll(() => s.server.stop());

  it('refuses calls without or with a wrong token, accepts the right one, leaves health open', async () => {
    const anonymous = connect(port);
    const wrong = connect(port, { token: 'not-the-token-at-all-000000000' });
    const right = connect(port, { token });
    await expectStatus(anonymous.rankCauses({}), grpc.status.UNAUTHENTICATED, /missing/);
    await expectStatus(wrong.rankCauses({}), grpc.status.UNAUTHENTICATED, /not accepted/);
    expect(await right.rankCauses({})).toMatchObject({ causes: [] });
    expect(await anonymous.healthCheck({})).toEqual({ status: 'SERVING' });
    for (const c of [anonymous, wrong, right]) c.close();
  });
});

describe('shutdown', () => {
  it('ends open WatchChanges streams cleanly and stops within the grace period', async () => {
    const s = startServer();
    const port = await s.server.start();
    const client = connect(port);
    const stream = client.watchChanges({});
    const ended = new Promise<string>((resolve) => {
      stream.on('status', (st: grpc.StatusObject) => resolve(grpc.status[st.code]));
      stream.on('error', () => {});
      stream.on('data', () => {});
    });
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    s.feed.close();
    await s.server.stop();
    expect(await ended).toBe('OK');
    expect(Date.now() - started).toBeLessThan(2_000);
    client.close();
  });
});
