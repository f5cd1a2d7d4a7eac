import { describe, expect, it } from 'vitest';
import { parseInterval, RecordedMetrics } from './recorded-metrics.js';

describe('RecordedMetrics', () => {
  it('serves a workload its pods series per signal and caller, within the window', async () => {
    const m = new RecordedMetrics('c1');
    const labels = { namespace: 'shop', workload: 'cart', pod: 'cart-6d5f7c9b8-aaaaa' };
    for (const at of [60_000, 120_000, 180_000])
      m.add({
        at,
        intervalMs: 60_000,
        samples: [
          { name: 'request_success_ratio', labels: { ...labels, source_workload: 'checkout' }, value: 0.99 },
          { name: 'container_cpu_usage_ratio', labels, value: 0.2 },
          { name: 'request_success_ratio', labels: { ...labels, workload: 'other' }, value: 1 },
        ],
      });
    const s = await m.goldenSignals({
      cluster: 'c1',
      namespace: 'shop',
      workload: 'cart',
      from: 100_000,
      to: 180_000,
    });
    expect(s.intervalMs).toBe(60_000);
    expect(s.series.map((x) => [x.signal, x.sourceWorkload, x.points.map((p) => p.t)])).toEqual([
      ['request_success_ratio', 'checkout', [120_000, 180_000]],
      ['container_cpu_usage_ratio', undefined, [120_000, 180_000]],
    ]);
  });

  it('counts what it cannot use instead of failing: unknown names, missing labels, values that are not numbers', () => {
    const m = new RecordedMetrics('c1');
    m.add({
      at: 1,
      intervalMs: 60_000,
      samples: [
        { name: 'http_requests_total', labels: { namespace: 'a', workload: 'b', pod: 'c' }, value: 1 },
        { name: 'request_latency_ms', labels: { namespace: 'a' }, value: 1 },
        {
          name: 'request_latency_ms',
          labels: { namespace: 'a', workload: 'b', pod: 'c' },
          value: Number.NaN,
        },
        {
          name: 'request_latency_ms',
          labels: { namespace: 'a', workload: 'b', pod: 'c' },
          value: 'x' as unknown as number,
        },
      ],
    });
    expect(m.rejects).toEqual({ unknownSignals: 1, unlabelled: 1, notFinite: 2 });
    expect(m.size).toBe(0);
  });

  it('reads Prometheus-style intervals', () => {
    expect(parseInterval('60s')).toBe(60_000);
    expect(parseInterval('1m')).toBe(60_000);
    expect(parseInterval('500ms')).toBe(500);
    expect(parseInterval('0s')).toBeUndefined();
    expect(parseInterval('soon')).toBeUndefined();
    expect(parseInterval(60)).toBeUndefined();
  });
});
