import { afterEach, describe, expect, it } from 'vitest';
import { parseCorrelatorConfig } from '../config/correlator.config.js';
import { FakeEngine, makeAnomaly, makeChange } from '../../../../test/support/fake-engine.js';
import { alertsToSignals } from '../alerts/alertmanager-mapper.js';
import { IncidentTracker } from './incident-tracker.js';

const T0 = Date.parse('2025-06-05T04:00:00.000Z');
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
const settings = { ...parseCorrelatorConfig({}).incidents, rerankDebounceMs: 20 };

function setup() {
  const engine = new FakeEngine();
  // frontend -> cart -> redis; checkout is unrelated.
  engine.edges.push(
    { from: 'shop/Deployment/frontend', to: 'shop/Deployment/cart', relation: 'calls' },
    { from: 'shop/Deployment/cart', to: 'shop/Deployment/redis', relation: 'calls' },
  );
  engine.applyChange(makeChange({ name: 'cart', changedAt: at(0) }));
  const tracker = new IncidentTracker(engine, settings);
  trackers.push(tracker);
  return { engine, tracker };
}
const trackers: IncidentTracker[] = [];
afterEach(() => trackers.splice(0).forEach((t) => t.stop()));

describe('IncidentTracker', () => {
  it('groups anomalies that are connected in the graph and close in time', () => {
    const { tracker } = setup();
    tracker.onAnomaly(makeAnomaly({ name: 'redis', onset: at(1) }));
    tracker.onAnomaly(makeAnomaly({ name: 'frontend', onset: at(3) }));
    tracker.onAnomaly(makeAnomaly({ name: 'checkout', onset: at(3) }));
    const list = tracker.list();
    const groups = list.map((i) => [...i.subjects].sort().join(',')).sort();
    expect(groups).toEqual(['shop/deployment/checkout', 'shop/deployment/frontend,shop/deployment/redis']);
  });

  it('opens a new incident when the anomaly is outside the time window', () => {
    const { tracker } = setup();
    tracker.onAnomaly(makeAnomaly({ name: 'cart', onset: at(1) }));
    tracker.onAnomaly(makeAnomaly({ name: 'frontend', onset: at(40) }));
    expect(tracker.list()).toHaveLength(2);
  });

  it('merges two incidents that a new anomaly connects', () => {
    const { tracker } = setup();
    tracker.onAnomaly(makeAnomaly({ name: 'frontend', onset: at(1) }));
    tracker.onAnomaly(makeAnomaly({ name: 'redis', onset: at(2) }));
    // depth 3 reaches both anyway; use depth 1 to force two incidents first.
    const narrow = new IncidentTracker(setup().engine, { ...settings, topologyDepth: 1 });
    trackers.push(narrow);
    narrow.onAnomaly(makeAnomaly({ name: 'frontend', onset: at(1) }));
    narrow.onAnomaly(makeAnomaly({ name: 'redis', onset: at(2) }));
    expect(narrow.list()).toHaveLength(2);
    narrow.onAnomaly(makeAnomaly({ name: 'cart', onset: at(3) }));
    const [merged] = narrow.list();
    expect(narrow.list()).toHaveLength(1);
    expect(merged.anomalies.size).toBe(3);
    expect(tracker.list()).toHaveLength(1);
  });

  it('re-ranks causes debounced, with the incident anomalies, at the last anomaly time', async () => {
    const { engine, tracker } = setup();
    tracker.onAnomaly(makeAnomaly({ name: 'frontend', onset: at(1) }));
    tracker.onAnomaly(makeAnomaly({ name: 'cart', onset: at(2) }));
    expect(engine.rankCalls).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 60));
    expect(engine.rankCalls).toHaveLength(1);
    expect(engine.rankCalls[0].anomalyIds).toHaveLength(2);
    expect(engine.rankCalls[0].at.toISOString()).toBe(at(2));
    const [incident] = tracker.list();
    expect(incident.causes[0].change.ref.name).toBe('cart');
    expect(engine.rankCalls).toHaveLength(1);
  });

  it('resolves an incident when its anomalies resolve, and names incidents deterministically', () => {
    const a = setup();
    const b = setup();
    for (const { tracker } of [a, b]) {
      tracker.onAnomaly(makeAnomaly({ name: 'frontend', onset: at(1), id: 'x1' }));
      tracker.onAnomaly(
        makeAnomaly({ name: 'frontend', onset: at(1), observedAt: at(9), id: 'x1', status: 'resolved' }),
      );
    }
    expect(a.tracker.list()).toHaveLength(0);
    const [resolved] = a.tracker.list({ includeResolved: true });
    expect(resolved.status).toBe('resolved');
    expect(b.tracker.list({ includeResolved: true })[0].incidentId).toBe(resolved.incidentId);
  });

  it('closes an incident when Alertmanager resolves its alert (a resolution is a signal of its own)', () => {
    const { tracker } = setup();
    const alert = (status: 'firing' | 'resolved', endsAt?: string) => ({
      version: '4',
      status,
      alerts: [
        {
          status,
          labels: {
            alertname: 'HighErrorRate',
            namespace: 'shop',
            service: 'frontend',
            severity: 'critical',
          },
          startsAt: at(1),
          ...(endsAt ? { endsAt } : {}),
          fingerprint: 'f00d',
        },
      ],
    });
    const [firing] = alertsToSignals(alert('firing'), new Date(at(2)), 'c1');
    const [resolved] = alertsToSignals(alert('resolved', at(6)), new Date(at(7)), 'c1');
    expect(resolved.anomalyId).not.toBe(firing.anomalyId);
    tracker.onAnomaly(firing);
    expect(tracker.list()).toHaveLength(1);
    tracker.onAnomaly(resolved);
    expect(tracker.list()).toHaveLength(0);
    const [closed] = tracker.list({ includeResolved: true });
    expect(closed.status).toBe('resolved');
    expect([...closed.anomalies.values()].every((a) => a.status === 'resolved')).toBe(true);
  });

  it('groups anomalies held during a rebuild in onset order, whatever order they arrived in', () => {
    const anomalies = [
      makeAnomaly({ name: 'redis', onset: at(1) }),
      makeAnomaly({ name: 'cart', onset: at(2) }),
      makeAnomaly({ name: 'frontend', onset: at(3) }),
      makeAnomaly({ name: 'checkout', onset: at(4) }),
    ];
    const ids = [anomalies, [...anomalies].reverse()].map((order) => {
      const { tracker } = setup();
      tracker.pause();
      for (const a of order) tracker.onAnomaly(a);
      expect(tracker.list()).toHaveLength(0);
      tracker.resume();
      return tracker
        .list()
        .map((i) => i.incidentId)
        .sort();
    });
    expect(ids[0]).toHaveLength(2);
    expect(ids[1]).toEqual(ids[0]);
  });
});
