import { describe, expect, it } from 'vitest';
import { CausalityEngine } from './causality-engine.js';
import {
  alert,
  change,
  deployment,
  objectState,
  podSignal,
  service,
} from '../../../../test/support/correlation-fixtures.js';

/** frontend -> cart -> redis; cart reads cart-config; a NetworkPolicy can be created on cart. */
function shop(): CausalityEngine {
  const engine = new CausalityEngine();
  const objects = [
    deployment('frontend', [{ name: 'CART_ADDR', value: 'cart:7070' }]),
    deployment('cart', [{ name: 'REDIS_ADDR', value: 'redis:6379' }], {
      envFrom: [{ configMapRef: { name: 'cart-config' } }],
    }),
    deployment('redis'),
    deployment('mailer'),
    objectState('ConfigMap', 'cart-config', { data: { POOL: '64' } }),
    service('frontend'),
    service('cart'),
    service('redis'),
    service('mailer'),
  ];
  for (const o of objects) engine.applyObject(o.key, o.state);
  return engine;
}

const at = new Date('2025-01-01T10:20:00.000Z');
const symptom = { namespace: 'shop', kind: 'Deployment', name: 'frontend' };
const top = (engine: CausalityEngine) =>
  engine
    .rankCauses({ at, symptom })
    .causes.map((c) => `${c.change.ref.kind}/${c.change.ref.name}@${c.change.changedAt.slice(11, 19)}`);

describe('CausalityEngine.rankCauses', () => {
  it('blames the callee whose change precedes the alerts, not a later change on the caller', () => {
    const engine = shop();
    engine.applyChange(change('Deployment', 'redis', '2025-01-01T10:05:00.000Z', ['image']));
    engine.applyChange(change('Deployment', 'frontend', '2025-01-01T10:07:00.000Z', ['image']));
    engine.applyAnomaly(alert('cart', 'HighErrorRate', '2025-01-01T10:09:00.000Z'));
    engine.applyAnomaly(alert('frontend', 'HighErrorRate', '2025-01-01T10:10:00.000Z'));
    const ranked = engine.rankCauses({ at, symptom });
    expect(top(engine)[0]).toBe('Deployment/redis@10:05:00');
    expect(ranked.causes[0].path.map((p) => `${p.resource.kind}/${p.resource.name}`)).toEqual([
      'Deployment/redis',
      'Service/redis',
      'Deployment/cart',
    ]);
    expect(ranked.causes[0].explanation).toContain('HighErrorRate');
  });

  it('blames the ConfigMap, not its consumer, and not a change long before the fault', () => {
    const engine = shop();
    engine.applyChange(change('Deployment', 'cart', '2025-01-01T08:40:00.000Z', ['image']));
    engine.applyChange(change('ConfigMap', 'cart-config', '2025-01-01T10:05:00.000Z', ['config-data']));
    engine.applyAnomaly(alert('cart', 'HighErrorRate', '2025-01-01T10:09:00.000Z'));
    expect(top(engine)[0]).toBe('ConfigMap/cart-config@10:05:00');
  });

  it('discounts controller-made changes and changes with no path to the symptoms', () => {
    const engine = shop();
    engine.applyChange(change('Deployment', 'cart', '2025-01-01T10:06:00.000Z', ['replicas'], 'controller'));
    engine.applyChange(change('Deployment', 'mailer', '2025-01-01T10:06:30.000Z', ['image']));
    engine.applyChange(
      change(
        'NetworkPolicy',
        'cart-netpol',
        '2025-01-01T10:07:00.000Z',
        ['network-policy', 'creation'],
        'cd',
        'create',
      ),
    );
    const np = objectState('NetworkPolicy', 'cart-netpol', {
      spec: { podSelector: { matchLabels: { app: 'cart' } } },
    });
    engine.applyObject(np.key, np.state);
    engine.applyAnomaly(alert('frontend', 'HighLatencyP99', '2025-01-01T10:11:00.000Z'));
    expect(top(engine)[0]).toBe('NetworkPolicy/cart-netpol@10:07:00');
  });

  it('prefers the change whose own pods crash right after it', () => {
    const engine = shop();
    engine.applyChange(change('Deployment', 'redis', '2025-01-01T10:04:00.000Z', ['env']));
    engine.applyChange(change('Deployment', 'cart', '2025-01-01T10:05:00.000Z', ['resources']));
    engine.applyAnomaly(podSignal('cart', 'OOMKilled', '2025-01-01T10:06:00.000Z'));
    engine.applyAnomaly(alert('frontend', 'HighErrorRate', '2025-01-01T10:09:00.000Z'));
    expect(top(engine)[0]).toBe('Deployment/cart@10:05:00');
  });

  it('returns at least five causes, deterministically, whatever the arrival order', () => {
    const a = shop();
    const b = shop();
    const changes = ['frontend', 'cart', 'redis', 'mailer', 'cart-config'].map((n, i) =>
      change(n === 'cart-config' ? 'ConfigMap' : 'Deployment', n, `2025-01-01T09:0${i}:00.000Z`, [
        n === 'cart-config' ? 'config-data' : 'image',
      ]),
    );
    for (const c of changes) a.applyChange(c);
    for (const c of [...changes].reverse()) b.applyChange(c);
    expect(a.rankCauses({ at, symptom }).causes).toHaveLength(5);
    expect(top(a)).toEqual(top(b));
  });

  it('answers timeline and graph queries and evicts old entries', () => {
    const engine = shop();
    engine.applyChange(change('ConfigMap', 'cart-config', '2025-01-01T10:05:00.000Z', ['config-data']));
    engine.applyAnomaly(alert('cart', 'HighErrorRate', '2025-01-01T10:09:00.000Z'));
    const timeline = engine.timeline({
      resource: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
      from: new Date(0),
      to: at,
      includeDependencies: true,
    });
    expect(timeline).toHaveLength(2);
    const view = engine.dependencyGraph({ root: { kind: 'Deployment', namespace: 'shop', name: 'cart' } });
    expect(view.edges.some((e) => e.relation === 'consumes-config')).toBe(true);
    engine.evictBefore(new Date('2025-01-01T10:06:00.000Z'));
    expect(engine.stats().changes).toBe(0);
    expect(engine.stats().anomalies).toBe(1);
  });
});
