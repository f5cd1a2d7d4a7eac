import { describe, expect, it } from 'vitest';
import { MemoryEventLog } from '#kafka';
import { TOPICS } from '#contracts';
import { AlertIntake } from './alert-intake.js';
import { alertsToSignals } from './alertmanager-mapper.js';

const payload = {
  version: '4',
  status: 'firing',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighErrorRate', namespace: 'shop', service: 'frontend', severity: 'critical' },
      annotations: { summary: 'errors' },
      startsAt: '2025-06-05T04:18:23.814Z',
      endsAt: '0001-01-01T00:00:00Z',
      fingerprint: 'abc',
    },
    {
      status: 'resolved',
      labels: {
        alertname: 'KubePodCrashLooping',
        namespace: 'shop',
        pod: 'cart-7d9f8b6c4d-x2x4z',
        severity: 'warning',
      },
      startsAt: '2025-06-05T04:00:00Z',
      endsAt: '2025-06-05T04:10:00Z',
    },
  ],
};

describe('alertsToSignals', () => {
  it('maps labels to subject and workload, startsAt to onset, status and severity', () => {
    const [a, b] = alertsToSignals(payload, new Date('2025-06-05T04:19:00.000Z'), 'c1');
    expect(a).toMatchObject({
      source: 'alertmanager',
      reason: 'HighErrorRate',
      severity: 'critical',
      status: 'firing',
      onset: '2025-06-05T04:18:23.814Z',
      observedAt: '2025-06-05T04:19:00.000Z',
      subject: { kind: 'Service', namespace: 'shop', name: 'frontend' },
      workload: { kind: 'Deployment', namespace: 'shop', name: 'frontend' },
    });
    expect(b).toMatchObject({
      status: 'resolved',
      severity: 'warning',
      subject: { kind: 'Pod' },
      workload: { name: 'cart' },
    });
    expect(b.labels?.endsAt).toBe('2025-06-05T04:10:00.000Z');
  });

  it('gives a repeated notification the same id and a resolution another', () => {
    const first = alertsToSignals(payload, new Date('2025-06-05T04:19:00Z'), 'c1')[0];
    const again = alertsToSignals(payload, new Date('2025-06-05T04:24:00Z'), 'c1')[0];
    expect(again.anomalyId).toBe(first.anomalyId);
    const resolved = alertsToSignals(
      { ...payload, alerts: [{ ...payload.alerts[0], status: 'resolved' }] },
      new Date(),
      'c1',
    )[0];
    expect(resolved.anomalyId).not.toBe(first.anomalyId);
  });

  it('rejects what is not a v4 payload', () => {
    expect(() => alertsToSignals({ alerts: 'nope' }, new Date(), 'c1')).toThrow();
  });
});

describe('AlertIntake', () => {
  it('publishes one AnomalySignal per alert on the anomalies topic', async () => {
    const log = new MemoryEventLog();
    const intake = new AlertIntake(log, { cluster: 'c1' });
    expect(await intake.accept(payload, new Date('2025-06-05T04:19:00Z'))).toBe(2);
    const records = log.records(TOPICS.anomalies.name);
    expect(records).toHaveLength(2);
    expect(records.map((r) => r.headers.ce_type)).toEqual([
      'io.incident-assistant.anomaly.v1',
      'io.incident-assistant.anomaly.v1',
    ]);
  });
});
