import { describe, expect, it } from 'vitest';
import { matrixToSeries } from './matrix-to-series.js';

const window = { from: 60_000, to: 240_000, maxSeries: 100 };

describe('matrixToSeries', () => {
  it('reads pods and callers, times in ms, values as numbers, within the window', () => {
    const r = matrixToSeries(
      'request_success_ratio',
      [
        {
          metric: { pod: 'cart-1', source_workload: 'checkout' },
          values: [
            [0, '1'],
            [60, '0.5'],
            [120.5, '0.25'],
            [300, '1'],
          ],
        },
        { metric: { pod: 'cart-1' }, values: [[180, '1']] },
      ],
      window,
    );
    expect(r.series).toEqual([
      { signal: 'request_success_ratio', pod: 'cart-1', points: [{ t: 180_000, v: 1 }] },
      {
        signal: 'request_success_ratio',
        pod: 'cart-1',
        sourceWorkload: 'checkout',
        points: [
          { t: 60_000, v: 0.5 },
          { t: 120_500, v: 0.25 },
        ],
      },
    ]);
  });

  it('drops NaN and infinities (a pod that answered nothing divides 0 by 0), and series left without a point', () => {
    const r = matrixToSeries(
      'request_latency_ms',
      [
        {
          metric: { pod: 'a' },
          values: [
            [60, 'NaN'],
            [120, '+Inf'],
            [180, '-Inf'],
            [240, '12.5'],
          ],
        },
        { metric: { pod: 'b' }, values: [[60, 'NaN']] },
      ],
      window,
    );
    expect(r.notFinite).toBe(4);
    expect(r.series.map((s) => [s.pod, s.points])).toEqual([['a', [{ t: 240_000, v: 12.5 }]]]);
  });

  it('copes with missing series and labels: an empty answer, a series without pod', () => {
    expect(matrixToSeries('container_cpu_usage_ratio', [], window).series).toEqual([]);
    const r = matrixToSeries(
      'container_cpu_usage_ratio',
      [
        { metric: { container: 'x' }, values: [[60, '1']] },
        { metric: { pod: '' }, values: [[60, '1']] },
      ],
      window,
    );
    expect(r.series).toEqual([]);
    expect(r.dropped.unlabelled).toBe(2);
  });

  it('keeps only the labels it needs of huge label sets; resource signals have no caller', () => {
    const metric: Record<string, string> = { pod: 'cart-1', source_workload: 'checkout' };
    for (let i = 0; i < 500; i++) metric[`label_${i}`] = 'x'.repeat(200);
    const r = matrixToSeries('container_memory_usage_ratio', [{ metric, values: [[60, '0.5']] }], window);
    expect(r.series).toEqual([
      { signal: 'container_memory_usage_ratio', pod: 'cart-1', points: [{ t: 60_000, v: 0.5 }] },
    ]);
    expect(Object.keys(r.series[0])).toEqual(['signal', 'pod', 'points']);
  });

  it('stops at the series limit, in pod order, and counts the rest', () => {
    const matrix = ['d', 'b', 'a', 'c'].map((pod) => ({
      metric: { pod },
      values: [[60, '1']] as [number, string][],
    }));
    const r = matrixToSeries('request_latency_ms', matrix, { ...window, maxSeries: 2 });
    expect(r.series.map((s) => s.pod)).toEqual(['a', 'b']);
    expect(r.dropped.limit).toBe(2);
  });

  it('keeps the first of several series per pod and caller (a template without sum by) and counts the others', () => {
    const r = matrixToSeries(
      'request_success_ratio',
      [
        { metric: { pod: 'a', source_workload: 'x', code: '200' }, values: [[60, '1']] },
        { metric: { pod: 'a', source_workload: 'x', code: '503' }, values: [[60, '0']] },
      ],
      window,
    );
    expect(r.series).toHaveLength(1);
    expect(r.dropped.duplicate).toBe(1);
  });
});
