import { describe, expect, it } from 'vitest';
import type { PodSeries } from '#metrics';
import { analyzeShift } from './workload-shift.js';

const MIN = 60_000;
const T0 = Date.parse('2025-01-01T10:00:00Z');
const CHANGE = T0 + 30 * MIN;
const AT = T0 + 40 * MIN;

function series(
  pod: string,
  caller: string,
  value: (t: number) => number,
  signal: PodSeries['signal'] = 'request_success_ratio',
): PodSeries {
  const points = [];
  for (let t = T0 + MIN; t <= AT; t += MIN) points.push({ t, v: value(t) });
  return { signal, pod, sourceWorkload: caller, points };
}
const signals = (series: PodSeries[]) => ({
  cluster: 'c1',
  namespace: 'shop',
  workload: 'cart',
  intervalMs: MIN,
  series,
});

describe('analyzeShift (a workload after a change against before)', () => {
  it('finds the calls that began to fail after the change, per caller', () => {
    const s = [
      series('cart-6d5f7c9b8-aaaaa', 'checkout', (t) => (t > CHANGE + MIN ? 0.6 : 1)),
      series('cart-6d5f7c9b8-aaaaa', 'frontend', (t) => (t > CHANGE + MIN ? 0.95 : 1)),
    ];
    const [f, ...rest] = analyzeShift({ signals: signals(s), since: CHANGE, at: AT });
    expect(rest).toEqual([]);
    expect(f).toMatchObject({ kind: 'errors', comparison: 'after-change' });
    expect(f.onset).toBe(CHANGE + MIN);
    expect(f.callers.map((c) => [c.caller, c.value < c.baseline])).toEqual([
      ['checkout', true],
      ['frontend', true],
    ]);
  });

  it('finds latency that doubled after a scale-down, and nothing where nothing moved', () => {
    const slow = [
      series('cart-6d5f7c9b8-aaaaa', 'frontend', (t) => (t > CHANGE ? 80 : 30), 'request_latency_ms'),
    ];
    expect(analyzeShift({ signals: signals(slow), since: CHANGE, at: AT }).map((f) => f.kind)).toEqual([
      'latency',
    ]);
    const flat = [
      series('cart-6d5f7c9b8-aaaaa', 'frontend', (t) => 30 + ((t / MIN) % 3), 'request_latency_ms'),
    ];
    expect(analyzeShift({ signals: signals(flat), since: CHANGE, at: AT })).toEqual([]);
  });
});
