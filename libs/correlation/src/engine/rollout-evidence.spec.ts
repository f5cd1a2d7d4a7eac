import { describe, expect, it } from 'vitest';
import type { AnomalySignal, ChangeClass, ChangeEvent } from '#contracts';
import type { PodSeries } from '#metrics';
import {
  alert,
  change,
  CLUSTER,
  deployment,
  NS,
  objectState,
  service,
} from '../../../../test/support/correlation-fixtures.js';
import { workloadKey } from '../evidence/metric-symptoms.js';
import { CausalityEngine } from './causality-engine.js';

/** frontend -> cart -> redis; cart reads cart-config through envFrom. */
function shop(): CausalityEngine {
  const engine = new CausalityEngine();
  for (const o of [
    deployment('frontend', [{ name: 'CART_ADDR', value: 'cart:7070' }]),
    deployment('cart', [{ name: 'REDIS_ADDR', value: 'redis:6379' }], {
      envFrom: [{ configMapRef: { name: 'cart-config' } }],
    }),
    deployment('redis'),
    objectState('ConfigMap', 'cart-config', { data: { POOL: '64' } }),
    service('frontend'),
    service('cart'),
    service('redis'),
  ])
    engine.applyObject(o.key, o.state);
  return engine;
}

const iso = (hhmmss: string) => `2025-01-01T${hhmmss}.000Z`;

/** A ReplicaSet of `workload` running `replicas` pods, as the differ publishes it at `at`. */
function replicaSet(engine: CausalityEngine, workload: string, hash: string, replicas: number, at: string) {
  const o = objectState('ReplicaSet', `${workload}-${hash}`, {
    metadata: {
      name: `${workload}-${hash}`,
      namespace: NS,
      ownerReferences: [{ kind: 'Deployment', name: workload }],
    },
    spec: { replicas },
  });
  engine.applyObject(o.key, { ...o.state, observedAt: iso(at) });
}

function pod(
  engine: CausalityEngine,
  workload: string,
  hash: string,
  suffix: string,
  ready: boolean,
  at: string,
) {
  const name = `${workload}-${hash}-${suffix}`;
  const o = objectState('Pod', name, {
    metadata: { name, namespace: NS, ownerReferences: [{ kind: 'ReplicaSet', name: `${workload}-${hash}` }] },
  });
  engine.applyObject(o.key, {
    ...o.state,
    observedAt: iso(at),
    statusDigest: { ready: ready ? 'True' : 'False', c: {} },
  });
}

/** A change of the pod template (a path under /spec/template: it makes a new revision). */
function templateChange(name: string, at: string, classes: ChangeClass[], path: string): ChangeEvent {
  return {
    ...change('Deployment', name, iso(at), classes),
    ref: { ...change('Deployment', name, iso(at), classes).ref, group: 'apps' },
    paths: [{ path, op: 'replace', old: 'a', new: 'b' }],
  };
}

function crashLoop(workload: string, hash: string, onset: string): AnomalySignal {
  return {
    schemaVersion: 1,
    anomalyId: `crash-${workload}-${hash}-${onset}`,
    cluster: CLUSTER,
    source: 'pod-status',
    reason: 'CrashLoopBackOff',
    severity: 'critical',
    status: 'firing',
    subject: { cluster: CLUSTER, kind: 'Pod', namespace: NS, name: `${workload}-${hash}-x7k2p` },
    workload: { cluster: CLUSTER, kind: 'Deployment', namespace: NS, name: workload },
    onset: iso(onset),
    observedAt: iso(onset),
  };
}

const symptom = { namespace: NS, kind: 'Deployment', name: 'frontend' };
const ranked = (engine: CausalityEngine, at: string) =>
  engine
    .rankCauses({ at: new Date(iso(at)), symptom })
    .causes.map((c) => `${c.change.ref.kind}/${c.change.ref.name}@${c.change.changedAt.slice(11, 19)}`);

describe('symptoms of pods belong to the revision that made them', () => {
  it('blames the rollout whose pods crash, not an earlier healthy rollout of the same Deployment', () => {
    const engine = shop();
    replicaSet(engine, 'cart', '6d5f7c9b8', 2, '09:00:00');
    engine.applyChange(
      templateChange('cart', '10:00:00', ['env'], '/spec/template/spec/containers/0/env/0/value'),
    );
    replicaSet(engine, 'cart', '7b8c9d6f5', 2, '10:00:01');
    pod(engine, 'cart', '7b8c9d6f5', 'aaaaa', true, '10:00:20');
    engine.applyChange(
      templateChange('cart', '10:09:00', ['image'], '/spec/template/spec/containers/0/image'),
    );
    replicaSet(engine, 'cart', '5c4d8f9b7', 1, '10:09:01');
    pod(engine, 'cart', '5c4d8f9b7', 'x7k2p', false, '10:09:02');
    engine.applyAnomaly(crashLoop('cart', '5c4d8f9b7', '10:09:40'));
    engine.applyAnomaly(alert('frontend', 'HighErrorRate', iso('10:10:30')));
    const causes = engine.rankCauses({ at: new Date(iso('10:14:00')), symptom }).causes;
    expect(causes[0].change.changedAt).toBe(iso('10:09:00'));
    // The healthy earlier rollout explains none of the new revision's crash loops.
    const earlier = causes.find((c) => c.change.changedAt === iso('10:00:00'))!;
    expect(earlier.explainedAnomalyIds).not.toContain(`crash-cart-5c4d8f9b7-10:09:40`);
    expect(causes[0].explainedAnomalyIds).toContain(`crash-cart-5c4d8f9b7-10:09:40`);
  });

  it('blames the ConfigMap a restart made take effect, not the restart', () => {
    const engine = shop();
    replicaSet(engine, 'cart', '6d5f7c9b8', 2, '09:00:00');
    engine.applyChange(change('ConfigMap', 'cart-config', iso('10:00:00'), ['config-data']));
    engine.applyChange(
      templateChange(
        'cart',
        '10:20:00',
        ['rollout'],
        '/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt',
      ),
    );
    replicaSet(engine, 'cart', '5c4d8f9b7', 2, '10:20:01');
    engine.applyAnomaly(crashLoop('cart', '5c4d8f9b7', '10:20:40'));
    engine.applyAnomaly(alert('frontend', 'HighErrorRate', iso('10:21:30')));
    const causes = engine.rankCauses({ at: new Date(iso('10:25:00')), symptom }).causes;
    expect(`${causes[0].change.ref.kind}@${causes[0].change.changedAt}`).toBe(`ConfigMap@${iso('10:00:00')}`);
    expect(ranked(engine, '10:25:00').indexOf('Deployment/cart@10:20:00')).toBeGreaterThan(0);
  });

  it('lets an image change that restarted the readers keep the blame over an older ConfigMap edit', () => {
    // Same timeline, but the restart is an image bump: either may be at fault, and an image is the likelier.
    const engine = shop();
    replicaSet(engine, 'cart', '6d5f7c9b8', 2, '09:00:00');
    engine.applyChange(change('ConfigMap', 'cart-config', iso('10:00:00'), ['config-data']));
    engine.applyChange(
      templateChange('cart', '10:20:00', ['image'], '/spec/template/spec/containers/0/image'),
    );
    replicaSet(engine, 'cart', '5c4d8f9b7', 2, '10:20:01');
    engine.applyAnomaly(crashLoop('cart', '5c4d8f9b7', '10:20:40'));
    engine.applyAnomaly(alert('frontend', 'HighErrorRate', iso('10:21:30')));
    expect(ranked(engine, '10:25:00').slice(0, 2)).toEqual([
      'Deployment/cart@10:20:00',
      'ConfigMap/cart-config@10:00:00',
    ]);
  });
});

describe('metric evidence', () => {
  const MIN = 60_000;
  /** redis changed at 10:05 (healthy), cart at 10:06 (its new pods fail); only frontend alerts. */
  function releases(): CausalityEngine {
    const engine = shop();
    replicaSet(engine, 'cart', '6d5f7c9b8', 3, '09:00:00');
    replicaSet(engine, 'redis', '6d5f7c9b8', 1, '09:00:00');
    engine.applyChange(
      templateChange('redis', '10:05:00', ['image'], '/spec/template/spec/containers/0/image'),
    );
    replicaSet(engine, 'redis', '8f7c6d5b9', 1, '10:05:01');
    pod(engine, 'redis', '8f7c6d5b9', 'bbbbb', true, '10:05:20');
    engine.applyChange(
      templateChange('cart', '10:06:00', ['image'], '/spec/template/spec/containers/0/image'),
    );
    replicaSet(engine, 'cart', '5c4d8f9b7', 1, '10:06:01');
    pod(engine, 'cart', '5c4d8f9b7', 'zzzzz', true, '10:06:20');
    engine.applyAnomaly(alert('frontend', 'HighErrorRate', iso('10:10:00')));
    return engine;
  }
  function cartSignals(): Map<
    string,
    { cluster: string; namespace: string; workload: string; intervalMs: number; series: PodSeries[] }
  > {
    const from = Date.parse(iso('09:40:00'));
    const at = Date.parse(iso('10:12:00'));
    const serie = (pod: string, v: (t: number) => number | undefined): PodSeries => {
      const points = [];
      for (let t = from; t <= at; t += MIN) {
        const x = v(t);
        if (x !== undefined) points.push({ t, v: x });
      }
      return { signal: 'request_success_ratio', pod, sourceWorkload: 'frontend', points };
    };
    const newFrom = Date.parse(iso('10:07:00'));
    const series = [
      serie('cart-6d5f7c9b8-aaaaa', () => 1),
      serie('cart-6d5f7c9b8-bbbbb', () => 1),
      serie('cart-6d5f7c9b8-ccccc', () => 1),
      serie('cart-5c4d8f9b7-zzzzz', (t) => (t >= newFrom ? 0.4 : undefined)),
    ];
    const w = { cluster: CLUSTER, namespace: NS, workload: 'cart', intervalMs: MIN, series };
    return new Map([[workloadKey(w), w]]);
  }

  it('names the workloads whose metrics it would read', () => {
    const needs = releases().metricNeeds({ at: new Date(iso('10:12:00')), symptom });
    expect(needs.map((n) => n.workload)).toEqual(['cart', 'redis']);
    expect(needs[0].to).toBe(Date.parse(iso('10:12:00')));
  });

  it('blames the release whose new pods fail, and says so in words', () => {
    const at = new Date(iso('10:12:00'));
    expect(ranked(releases(), '10:12:00')[0]).toBe('Deployment/redis@10:05:00');
    const result = releases().rankCauses(
      { at, symptom },
      { signals: cartSignals(), failures: [], source: 'test' },
    );
    const [first] = result.causes;
    expect(first.change.ref.name).toBe('cart');
    expect(first.metricEvidence?.[0]).toMatchObject({
      kind: 'errors',
      comparison: 'new-revision',
      revision: 'cart-5c4d8f9b7',
    });
    expect(first.explanation).toMatch(
      /New pods of cart \(cart-5c4d8f9b7, 1 pod\) succeed 40% of requests vs 100% on the 3 old pods/,
    );
    expect(result.metrics).toEqual({ source: 'test', workloads: 1, failures: [] });
  });

  it('ranks as without metrics where the source failed, and says which workloads it lacked', () => {
    const at = new Date(iso('10:12:00'));
    const result = releases().rankCauses(
      { at, symptom },
      { signals: new Map(), failures: [{ workload: 'shop/cart', reason: 'timeout' }], source: 'test' },
    );
    expect(result.causes[0].change.ref.name).toBe('redis');
    expect(result.metrics?.failures).toEqual([{ workload: 'shop/cart', reason: 'timeout' }]);
  });
});
