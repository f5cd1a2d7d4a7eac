import { describe, expect, it } from 'vitest';
import { anomalyKey } from './anomaly-signal.js';

describe('anomalyKey', () => {
  it('keys an alert and a status signal about one Deployment alike, so they share a partition', () => {
    const fromAlert = anomalyKey({
      cluster: 'c1',
      subject: { kind: 'Deployment', namespace: 'shop', name: 'cart' },
    });
    const fromStatus = anomalyKey({
      cluster: 'c1',
      subject: { kind: 'Pod', namespace: 'shop', name: 'cart-7d9f-abcde', group: '' },
      workload: { kind: 'Deployment', namespace: 'shop', name: 'cart', group: 'apps' },
    });
    expect(fromAlert).toBe('c1/apps/Deployment/shop/cart');
    expect(fromStatus).toBe(fromAlert);
  });

  it('keys a cluster-scoped subject without a namespace', () => {
    expect(anomalyKey({ cluster: 'c1', subject: { kind: 'Node', name: 'n1' } })).toBe('c1/core/Node/_/n1');
  });
});
