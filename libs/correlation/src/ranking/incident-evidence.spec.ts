import { describe, expect, it } from 'vitest';
import type { AnomalySignal } from '#contracts';
import { DependencyGraph } from '#graph';
import { CLUSTER, NS } from '../../../../test/support/correlation-fixtures.js';
import { collectEvidence } from './incident-evidence.js';

const t = (hhmmss: string) => `2025-01-01T${hhmmss}.000Z`;

function probeFailed(pod: string, onset: string): AnomalySignal {
  return {
    schemaVersion: 1,
    anomalyId: `unhealthy-${pod}-${onset}`,
    cluster: CLUSTER,
    source: 'k8s-event',
    reason: 'Unhealthy',
    severity: 'warning',
    status: 'firing',
    subject: { cluster: CLUSTER, kind: 'Pod', namespace: NS, name: pod },
    workload: { cluster: CLUSTER, kind: 'Deployment', namespace: NS, name: 'cart' },
    onset: t(onset),
    observedAt: t(onset),
    message: 'Readiness probe failed: HTTP probe failed with statuscode: 503',
  };
}

describe('collectEvidence', () => {
  it('counts little for readiness probes that fail while a pod starts, when it then became ready', () => {
    const readyAt = new Map([['cart-7f8c9d6b5-aaaaa', Date.parse(t('10:00:40'))]]);
    const groups = collectEvidence(
      new DependencyGraph(),
      [probeFailed('cart-7f8c9d6b5-aaaaa', '10:00:20'), probeFailed('cart-7f8c9d6b5-zzzzz', '10:00:20')],
      {
        at: Date.parse(t('10:10:00')),
        windowMs: 3_600_000,
        podReadyAt: (a) => readyAt.get(a.subject.name),
      },
    );
    const weights = Object.fromEntries(
      groups.flatMap((g) => g.anomalies).map((a) => [a.signal.subject.name, a.weight]),
    );
    // The pod that became ready 20 s later was starting; the one that never did is a symptom.
    expect(weights['cart-7f8c9d6b5-aaaaa']).toBeCloseTo(0.06);
    expect(weights['cart-7f8c9d6b5-zzzzz']).toBeCloseTo(0.6);
  });
});
