import { describe, expect, it } from 'vitest';
import type { PodSeries, WorkloadSignals } from '#metrics';
import { analyzeRevision } from './revision-canary.js';

const MIN = 60_000;
const T0 = Date.parse('2025-01-01T10:00:00Z');
/** The change at T0 + 30 min; the new pod ready at +31 min; the query at +40 min. */
const CHANGE = T0 + 30 * MIN;
const READY = CHANGE + MIN;
const AT = T0 + 40 * MIN;

/** One series per pod and caller, one point a minute from T0 to AT (or `from`), values from `value(t)`. */
function series(
  signal: PodSeries['signal'],
  pod: string,
  value: (t: number) => number | undefined,
  from = T0,
  caller = 'frontend',
): PodSeries {
  const points = [];
  for (let t = from + MIN; t <= AT; t += MIN) {
    const v = value(t);
    if (v !== undefined) points.push({ t, v });
  }
  return { signal, pod, sourceWorkload: caller, points };
}

const workload = (s: PodSeries[]): WorkloadSignals => ({
  cluster: 'c1',
  namespace: 'shop',
  workload: 'cart',
  intervalMs: MIN,
  series: s,
});

const OLD = ['cart-6d5f7c9b8-aaaaa', 'cart-6d5f7c9b8-bbbbb', 'cart-6d5f7c9b8-ccccc'];
const NEW = 'cart-7f8c9d6b5-zzzzz';
const input = (signals: WorkloadSignals) => ({
  signals,
  replicaSet: 'cart-7f8c9d6b5',
  pods: [NEW],
  readyAt: (pod: string) => (pod === NEW ? READY : undefined),
  changeTime: CHANGE,
  at: AT,
});
const noise = (t: number) => 0.998 + ((t / MIN) % 3) * 0.001;

describe('analyzeRevision (canary comparison after the fact)', () => {
  it('finds new pods that fail requests their old siblings serve, per caller, from after the warm-up', () => {
    const s = [
      ...OLD.map((p) => series('request_success_ratio', p, noise)),
      series('request_success_ratio', NEW, () => 0.7, READY),
    ];
    const [f, ...rest] = analyzeRevision(input(workload(s)));
    expect(rest).toEqual([]);
    expect(f).toMatchObject({
      kind: 'errors',
      comparison: 'new-revision',
      revision: 'cart-7f8c9d6b5',
      pods: 1,
    });
    expect(f.value).toBeCloseTo(0.7);
    expect(f.baseline).toBeGreaterThan(0.99);
    expect(f.p).toBeLessThan(0.001);
    // The first minute after ready is warm-up: the first interval counted starts one interval after ready.
    expect(f.onset).toBe(READY + MIN);
    expect(f.callers).toHaveLength(1);
    expect(f.callers[0].caller).toBe('frontend');
    expect(f.callers[0].value).toBeCloseTo(0.7, 9);
    expect(f.callers[0].baseline).toBeCloseTo(f.baseline, 6);
  });

  it('does not count a healthy fresh pod that is slow in its first minute (warm-up)', () => {
    const s = [
      ...OLD.map((p) => series('request_latency_ms', p, (t) => 2 + ((t / MIN) % 2))),
      series('request_latency_ms', NEW, (t) => (t <= READY + MIN ? 51 : 2 + ((t / MIN) % 2)), READY),
    ];
    expect(analyzeRevision(input(workload(s)))).toEqual([]);
  });

  it('does not count a small latency difference as a regression, however consistent', () => {
    const s = [
      ...OLD.map((p) => series('request_latency_ms', p, () => 2)),
      series('request_latency_ms', NEW, () => 4, READY),
    ];
    expect(analyzeRevision(input(workload(s)))).toEqual([]);
  });

  it('finds a ready new pod that answers nothing while its siblings answer every minute', () => {
    const s = OLD.map((p) => series('request_success_ratio', p, noise));
    const [f] = analyzeRevision(input(workload(s)));
    expect(f).toMatchObject({ kind: 'silent', pods: 1, baselinePods: 3 });
    expect(f.p).toBeLessThan(1e-6);
  });

  it('does not call a new pod silent where healthy siblings are silent too (traffic pinned to one pod)', () => {
    // gRPC keeps a caller on one pod per connection: one old pod takes the traffic, the others see a request
    // now and then. A new pod that sees none for a few minutes is like those.
    const s = [
      series('request_success_ratio', OLD[0], () => 1),
      series('request_success_ratio', OLD[1], (t) => (((t - T0) / MIN) % 6 === 0 ? 1 : undefined)),
      series('request_success_ratio', OLD[2], (t) => (((t - T0) / MIN) % 9 === 0 ? 1 : undefined)),
    ];
    expect(analyzeRevision(input(workload(s)))).toEqual([]);
  });

  it('says nothing of a pod not known to be ready', () => {
    const s = OLD.map((p) => series('request_success_ratio', p, noise));
    expect(analyzeRevision({ ...input(workload(s)), readyAt: () => undefined })).toEqual([]);
  });

  it('compares with the workload before the change when no old pod served alongside', () => {
    const s = [
      ...OLD.map((p) => series('request_success_ratio', p, (t) => (t <= CHANGE ? noise(t) : undefined))),
      series('request_success_ratio', NEW, () => 0.5, READY),
    ];
    const [f] = analyzeRevision(input(workload(s)));
    expect(f).toMatchObject({ kind: 'errors', baselinePods: 3 });
  });

  it('reads memory as saturation only', () => {
    const s = [
      ...OLD.map((p) => series('container_memory_usage_ratio', p, () => 0.3)),
      series(
        'container_memory_usage_ratio',
        NEW,
        (t) => Math.min(0.99, 0.5 + (t - READY) / (20 * MIN)),
        READY,
      ),
    ];
    const found = analyzeRevision(input(workload(s)));
    expect(found.map((f) => f.kind)).toEqual(['memory']);
    const modest = [
      ...OLD.map((p) => series('container_memory_usage_ratio', p, () => 0.3)),
      series('container_memory_usage_ratio', NEW, () => 0.6, READY),
    ];
    expect(analyzeRevision(input(workload(modest)))).toEqual([]);
  });
});
