import { describe, expect, it, vi } from 'vitest';
import type { ChangeEvent } from '#contracts';
import { CausalityEngine } from '../engine/causality-engine.js';
import {
  alert,
  change,
  deployment,
  objectState,
  service,
} from '../../../../test/support/correlation-fixtures.js';
import { toCandidate } from './candidate-changes.js';
import { callersOf, certainBreak } from './change-effect.js';

/** frontend -> cart -> redis (addresses in env); mailer is called by nobody. */
function shop(): CausalityEngine {
  const engine = new CausalityEngine();
  const objects = [
    deployment('frontend', [{ name: 'CART_ADDR', value: 'cart:7070' }]),
    deployment('cart', [{ name: 'REDIS_ADDR', value: 'redis:6379' }]),
    deployment('redis'),
    deployment('mailer'),
    objectState('Service', 'frontend', { spec: { selector: { app: 'frontend' }, ports: [{ port: 80 }] } }),
    objectState('Service', 'cart', { spec: { selector: { app: 'cart' }, ports: [{ port: 7070 }] } }),
    service('redis'),
    service('mailer'),
  ];
  for (const o of objects) engine.applyObject(o.key, o.state);
  return engine;
}

const policy = (name: string, app: string, ingress: unknown[]) =>
  objectState('NetworkPolicy', name, {
    spec: { podSelector: { matchLabels: { app } }, policyTypes: ['Ingress'], ingress },
  });
const fromNamespace = (ns: string) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
});

/** The causes of frontend's symptoms as an investigation at `at` ranks them. */
function rankFrontend(engine: CausalityEngine, at: string) {
  return engine.rankCauses({
    at: new Date(at),
    symptom: { namespace: 'shop', kind: 'Deployment', name: 'frontend' },
  });
}

function breakOf(engine: CausalityEngine, c: ChangeEvent) {
  return certainBreak(engine.graph, toCandidate(c)!);
}

describe('certain breaks: what the manifests say a change cuts off', () => {
  it('a policy admitting only monitoring cuts the callers of what it selects; one admitting the namespace does not', () => {
    const engine = shop();
    const cut = policy('restrict-cart', 'cart', [
      { from: [fromNamespace('monitoring')], ports: [{ port: 9090 }] },
    ]);
    const open = policy('cart-netpol', 'cart', [
      { from: [fromNamespace('shop'), fromNamespace('monitoring')] },
    ]);
    engine.applyObject(cut.key, cut.state);
    const created = change(
      'NetworkPolicy',
      'restrict-cart',
      '2025-01-01T10:00:00.000Z',
      ['network-policy'],
      'human',
      'create',
    );
    expect(breakOf(engine, created)?.certainty).toBeGreaterThan(0.8);
    // Policies add up: with another one admitting the namespace, the callers still get through.
    engine.applyObject(open.key, open.state);
    expect(breakOf(engine, created)).toBeUndefined();
    const admitted = change(
      'NetworkPolicy',
      'cart-netpol',
      '2025-01-01T10:00:00.000Z',
      ['network-policy'],
      'human',
      'create',
    );
    expect(breakOf(engine, admitted)).toBeUndefined();
  });

  it('a policy on a Service no workload calls cuts its outside clients unless it admits another namespace', () => {
    // frontend -> cart, both in a call: the namespace's calls are visible, and nothing calls frontend.
    const engine = new CausalityEngine();
    for (const o of [
      deployment('frontend', [{ name: 'CART_ADDR', value: 'cart:7070' }]),
      deployment('cart'),
      objectState('Service', 'frontend', { spec: { selector: { app: 'frontend' }, ports: [{ port: 80 }] } }),
      objectState('Service', 'cart', { spec: { selector: { app: 'cart' }, ports: [{ port: 7070 }] } }),
    ])
      engine.applyObject(o.key, o.state);
    const created = (name: string) =>
      change('NetworkPolicy', name, '2025-01-01T10:00:00.000Z', ['network-policy'], 'human', 'create');
    const admins = policy('frontend-admins', 'frontend', [
      { from: [{ podSelector: { matchLabels: { role: 'admin' } } }] },
    ]);
    engine.applyObject(admins.key, admins.state);
    const e = breakOf(engine, created('frontend-admins'));
    expect(e?.certainty).toBeCloseTo(0.45);
    expect(e?.surfaces?.some((s) => s.endsWith('/frontend'))).toBe(true);
    const cluster = policy('frontend-cluster', 'frontend', [{ from: [{ namespaceSelector: {} }] }]);
    engine.applyObject(cluster.key, cluster.state);
    expect(breakOf(engine, created('frontend-cluster'))).toBeUndefined();
  });

  it('scaling to zero breaks a workload with callers; one nobody is known to call only by the namespace openness', () => {
    const engine = shop();
    const cart = change('Deployment', 'cart', '2025-01-01T10:00:00.000Z', ['scale-to-zero']);
    const mailer = change('Deployment', 'mailer', '2025-01-01T10:00:00.000Z', ['scale-to-zero']);
    expect(breakOf(engine, cart)?.certainty).toBeGreaterThan(0.8);
    // shop reveals 3 of its 4 workloads' calls: mailer may be called by code, with belief 0.25.
    expect(breakOf(engine, mailer)?.certainty).toBeLessThan(0.3);
  });

  it('presumed callers come from a namespace index read once per graph version, not a graph scan per candidate', () => {
    const engine = shop();
    const scan = vi.spyOn(engine.graph.graph, 'forEachNode');
    const ids = (names: string[]) => names.map((n) => `c1/Deployment/shop/${n}`);
    // mailer: nobody is known to call it, so the other workloads of the (partly open) namespace may.
    expect(callersOf(engine.graph, ids(['mailer'])[0]).callers).toEqual(ids(['cart', 'frontend', 'redis']));
    for (let i = 0; i < 5; i++) callersOf(engine.graph, ids(['mailer'])[0]);
    expect(scan).toHaveBeenCalledTimes(1);
    // A new workload makes a new graph version: the index follows it.
    const extra = deployment('audit');
    engine.applyObject(extra.key, extra.state);
    expect(callersOf(engine.graph, ids(['mailer'])[0]).callers).toEqual(
      ids(['audit', 'cart', 'frontend', 'redis']),
    );
    expect(scan).toHaveBeenCalledTimes(2);
  });

  it('an earlier risky change on the path does not push down a certain break (first-break is shielded)', () => {
    const engine = shop();
    engine.applyChange(change('Deployment', 'redis', '2025-01-01T10:03:00.000Z', ['image']));
    engine.applyChange(change('Deployment', 'cart', '2025-01-01T10:05:00.000Z', ['scale-to-zero']));
    engine.applyAnomaly(alert('frontend', 'HighLatencyP99', '2025-01-01T10:11:00.000Z'));
    const ranked = rankFrontend(engine, '2025-01-01T10:15:00.000Z');
    expect(ranked.causes[0].change.ref.name).toBe('cart');
    expect(ranked.causes[0].explanation).toContain('Certain to cut traffic');
  });
});

describe('explaining away by certain breaks (explaining-away.ts)', () => {
  it('a change made just before a certain break on the path no longer takes the symptoms it would explain anyway', () => {
    const engine = shop();
    // frontend's own image change explains frontend's alert directly, cart's scale-to-zero through a call; the
    // outage of cart was certain, so the alert says little for frontend's change.
    engine.applyChange(change('Deployment', 'frontend', '2025-01-01T10:03:00.000Z', ['image']));
    engine.applyChange(change('Deployment', 'cart', '2025-01-01T10:05:00.000Z', ['scale-to-zero']));
    engine.applyAnomaly(alert('frontend', 'HighErrorRate', '2025-01-01T10:09:00.000Z'));
    const ranked = rankFrontend(engine, '2025-01-01T10:15:00.000Z');
    expect(ranked.causes.map((c) => c.change.ref.name).slice(0, 2)).toEqual(['cart', 'frontend']);
    expect(ranked.causes[1].explanation).toContain('A change certain to cut traffic');
  });
});

describe('lag up the call chain (cause-ranker.ts)', () => {
  it('lag up the chain runs from the fault’s own first symptom: a slow fault, then its callers within minutes', () => {
    const engine = shop();
    // cart's own errors 14 min after its image change, frontend's 6 min after that; a later frontend image change
    // explains frontend's alert within minutes but not cart's.
    engine.applyChange(change('Deployment', 'cart', '2025-01-01T09:50:00.000Z', ['image']));
    engine.applyChange(change('Deployment', 'frontend', '2025-01-01T10:02:00.000Z', ['image']));
    engine.applyAnomaly(alert('cart', 'HighErrorRate', '2025-01-01T10:04:00.000Z'));
    engine.applyAnomaly(alert('frontend', 'HighErrorRate', '2025-01-01T10:10:00.000Z'));
    const ranked = rankFrontend(engine, '2025-01-01T10:15:00.000Z');
    expect(ranked.causes[0].change.ref.name).toBe('cart');
  });
});

describe('slow surfacing of a policy on the callers it denies (cause-ranker.ts)', () => {
  it('a caller denied by a new policy may fail minutes later (connections live on); a later change there does not win', () => {
    const engine = shop();
    const cut = policy('restrict-cart', 'cart', [{ from: [fromNamespace('monitoring')] }]);
    engine.applyObject(cut.key, cut.state);
    engine.applyChange(
      change(
        'NetworkPolicy',
        'restrict-cart',
        '2025-01-01T10:00:00.000Z',
        ['network-policy'],
        'human',
        'create',
      ),
    );
    // frontend, the caller the policy denies, alerts 12 min after it and 7 min after its own image change.
    engine.applyChange(change('Deployment', 'frontend', '2025-01-01T10:05:00.000Z', ['image']));
    engine.applyAnomaly(alert('frontend', 'HighErrorRate', '2025-01-01T10:12:00.000Z'));
    const ranked = rankFrontend(engine, '2025-01-01T10:16:00.000Z');
    expect(ranked.causes.map((c) => c.change.ref.name).slice(0, 2)).toEqual(['restrict-cart', 'frontend']);
  });
});
