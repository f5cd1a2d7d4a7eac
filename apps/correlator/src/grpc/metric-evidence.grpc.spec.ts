import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '#contracts';
import { CausalityEngine, ObservedEngine } from '#correlation';
import { MemoryEventLog } from '#kafka';
import { RecordedMetrics } from '#metrics';
import { parseCorrelatorConfig } from '../config/correlator.config.js';
import { ChangeFeed } from '../feed/change-feed.js';
import { IncidentTracker } from '../incidents/incident-tracker.js';
import { GrpcApiServer } from './grpc-api.server.js';
import { incidentAssistantHandlers } from './incident-assistant.handlers.js';
import {
  alert,
  change,
  CLUSTER,
  deployment,
  NS,
  objectState,
  service,
} from '../../../../test/support/correlation-fixtures.js';
import { connect } from '../../../../test/support/grpc-test-client.js';

const config = parseCorrelatorConfig({ cluster: CLUSTER, grpc: { host: '127.0.0.1', port: 0 } });
const iso = (hhmm: string) => `2025-01-01T${hhmm}:00.000Z`;
const ts = (t: string) => ({ seconds: String(Math.floor(Date.parse(t) / 1000)), nanos: 0 });

/** frontend -> cart; cart's image changed at 10:06, its new pods fail 40% of calls; the old ones none. */
function cluster(): CausalityEngine {
  const engine = new CausalityEngine();
  const apply = (o: ReturnType<typeof objectState>, at = iso('09:00')) =>
    engine.applyObject(o.key, { ...o.state, observedAt: at });
  for (const o of [
    deployment('frontend', [{ name: 'CART_ADDR', value: 'cart:7070' }]),
    deployment('cart'),
    service('frontend'),
    service('cart'),
  ])
    apply(o);
  const rs = (hash: string, at: string) =>
    apply(
      objectState('ReplicaSet', `cart-${hash}`, {
        metadata: {
          name: `cart-${hash}`,
          namespace: NS,
          ownerReferences: [{ kind: 'Deployment', name: 'cart' }],
        },
        spec: { replicas: 1 },
      }),
      at,
    );
  rs('6d5f7c9b8', iso('09:00'));
  const image: ChangeEvent = {
    ...change('Deployment', 'cart', iso('10:06'), ['image']),
    paths: [{ path: '/spec/template/spec/containers/0/image', op: 'replace', old: 'v1', new: 'v2' }],
  };
  engine.applyChange(image);
  rs('5c4d8f9b7', '2025-01-01T10:06:01.000Z');
  const pod = objectState('Pod', 'cart-5c4d8f9b7-zzzzz', {
    metadata: {
      name: 'cart-5c4d8f9b7-zzzzz',
      namespace: NS,
      ownerReferences: [{ kind: 'ReplicaSet', name: 'cart-5c4d8f9b7' }],
    },
  });
  engine.applyObject(pod.key, {
    ...pod.state,
    observedAt: '2025-01-01T10:06:20.000Z',
    statusDigest: { ready: 'True', c: {} },
  });
  engine.applyAnomaly(alert('frontend', 'HighErrorRate', iso('10:10')));
  return engine;
}

function metrics(): RecordedMetrics {
  const m = new RecordedMetrics(CLUSTER);
  for (let t = Date.parse(iso('09:40')); t <= Date.parse(iso('10:12')); t += 60_000) {
    const samples = ['aaaaa', 'bbbbb', 'ccccc'].map((p) => ({
      name: 'request_success_ratio',
      labels: { namespace: NS, workload: 'cart', pod: `cart-6d5f7c9b8-${p}`, source_workload: 'frontend' },
      value: 1,
    }));
    if (t >= Date.parse(iso('10:08')))
      samples.push({
        name: 'request_success_ratio',
        labels: { namespace: NS, workload: 'cart', pod: 'cart-5c4d8f9b7-zzzzz', source_workload: 'frontend' },
        value: 0.4,
      });
    m.add({ at: t, intervalMs: 60_000, samples });
  }
  return m;
}

describe('metric evidence over gRPC', () => {
  const engine = new ObservedEngine(cluster());
  const server = new GrpcApiServer(
    config.grpc,
    incidentAssistantHandlers({
      engine,
      incidents: new IncidentTracker(engine, config.incidents),
      feed: new ChangeFeed(10),
      log: new MemoryEventLog(),
      cluster: CLUSTER,
      maxQueuedPerStream: 100,
      metrics: metrics(),
    }),
  );
  let client: ReturnType<typeof connect>;
  beforeAll(async () => {
    client = connect(await server.start());
    server.health.set('SERVING');
  });
  afterAll(async () => {
    client.close();
    await server.stop();
  });

  it('answers RankCauses with the metric evidence of each cause, its confidence and the verdict', async () => {
    const res = await client.rankCauses({
      at: ts(iso('10:12')),
      symptom: { kind: 'Deployment', namespace: NS, name: 'frontend' },
    });
    const [first] = res.causes;
    expect(first.resource.name).toBe('cart');
    expect(first.confidence).toBeGreaterThan(0.5);
    expect(first.metricEvidence[0]).toMatchObject({
      kind: 'errors',
      comparison: 'new-revision',
      revision: 'cart-5c4d8f9b7',
      workload: { kind: 'Deployment', namespace: NS, name: 'cart' },
    });
    expect(first.metricEvidence[0].callers).toEqual([
      { caller: 'frontend', value: expect.closeTo(0.4, 6), baseline: 1 },
    ]);
    expect(res.metrics).toMatchObject({ source: 'the recording', workloads: 1 });
    expect(res.verdict).toBe('explained');
    expect(res.window.to).toEqual(ts(iso('10:12')));
  });

  it('shows the golden signals of a workload per revision in GetTimeline', async () => {
    const res = await client.getTimeline({
      resource: { kind: 'Deployment', namespace: NS, name: 'cart' },
      from: ts(iso('10:00')),
      to: ts(iso('10:12')),
    });
    expect(res.entries.map((e: { change?: unknown }) => !!e.change)).toContain(true);
    const lines = res.metrics.map((m: { revision: string; pods: number }) => `${m.revision}:${m.pods}`);
    expect(lines).toEqual(['cart-5c4d8f9b7:1', 'cart-6d5f7c9b8:3']);
    const fresh = res.metrics.find((m: { revision: string }) => m.revision === 'cart-5c4d8f9b7');
    expect(fresh.points.every((p: { value: number }) => Math.abs(p.value - 0.4) < 1e-9)).toBe(true);
  });

  it('answers NOT_FOUND for a symptom nothing has seen', async () => {
    await expect(
      client.rankCauses({
        at: ts(iso('10:12')),
        symptom: { kind: 'Deployment', namespace: 'nosuch', name: 'nothing' },
      }),
    ).rejects.toMatchObject({
      code: 5,
      details: expect.stringMatching(/unknown resource nosuch\/Deployment\/nothing/),
    });
  });
});
