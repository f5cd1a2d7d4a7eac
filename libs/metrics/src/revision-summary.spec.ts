import { describe, expect, it } from 'vitest';
import { summarizeByRevision } from './revision-summary.js';

describe('summarizeByRevision', () => {
  it('folds pods (and callers) of one ReplicaSet into one line per signal, mean per interval', () => {
    const series = [
      {
        signal: 'request_success_ratio' as const,
        pod: 'cart-6d5f7c9b8-aaaaa',
        sourceWorkload: 'a',
        points: [
          { t: 60, v: 1 },
          { t: 120, v: 1 },
        ],
      },
      {
        signal: 'request_success_ratio' as const,
        pod: 'cart-6d5f7c9b8-bbbbb',
        sourceWorkload: 'b',
        points: [{ t: 60, v: 0.9 }],
      },
      {
        signal: 'request_success_ratio' as const,
        pod: 'cart-7f8c9d6b5-zzzzz',
        sourceWorkload: 'a',
        points: [{ t: 120, v: 0.5 }],
      },
      { signal: 'container_cpu_usage_ratio' as const, pod: 'cart-7f8c9d6b5-zzzzz', points: [] },
    ];
    const out = summarizeByRevision({
      cluster: 'c',
      namespace: 'n',
      workload: 'cart',
      intervalMs: 60,
      series,
    });
    expect(out).toEqual([
      {
        signal: 'request_success_ratio',
        revision: 'cart-6d5f7c9b8',
        pods: 2,
        points: [
          { t: 60, v: 0.95 },
          { t: 120, v: 1 },
        ],
      },
      { signal: 'request_success_ratio', revision: 'cart-7f8c9d6b5', pods: 1, points: [{ t: 120, v: 0.5 }] },
      { signal: 'container_cpu_usage_ratio', revision: 'cart-7f8c9d6b5', pods: 0, points: [] },
    ]);
  });
});
