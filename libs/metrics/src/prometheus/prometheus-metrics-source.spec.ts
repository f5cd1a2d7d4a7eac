import { afterEach, describe, expect, it } from 'vitest';
import {
  matrix,
  startPrometheusDouble,
  type DoubleAnswer,
  type PrometheusDouble,
  type RecordedRequest,
} from '../../../../test/support/prometheus-double.js';
import { prometheusConfigFromEnv } from './prometheus-config.js';
import { PrometheusMetricsSource, prometheusMetricsSourceFromEnv } from './prometheus-metrics-source.js';

const MIN = 60_000;
const T0 = Date.UTC(2023, 8, 22, 18, 0, 0);
const window = {
  cluster: 'c1',
  namespace: 'shop',
  workload: 'cart',
  from: T0 - 30 * MIN + 1_500,
  to: T0 + 1_000,
};

let prom: PrometheusDouble | undefined;
let source: PrometheusMetricsSource | undefined;
afterEach(async () => {
  await source?.close();
  await prom?.close();
  source = prom = undefined;
});

async function start(
  env: Record<string, string>,
  handler: (r: RecordedRequest, i: number) => DoubleAnswer | Promise<DoubleAnswer> = () => ({
    json: matrix([]),
  }),
) {
  prom = await startPrometheusDouble(handler);
  source = new PrometheusMetricsSource(prometheusConfigFromEnv({ PROMETHEUS_URL: prom.url, ...env })!);
  return { prom, source };
}

const s = (ms: number) => ms / 1000;

describe('PrometheusMetricsSource', () => {
  it('is not made without PROMETHEUS_URL', () => {
    expect(prometheusMetricsSourceFromEnv({ PROMETHEUS_STACK: 'otel' })).toBeUndefined();
  });

  it('asks one range query per signal over the whole steps of the window, and reads the answers per pod and caller', async () => {
    const { prom, source } = await start({ PROMETHEUS_STACK: 'istio' }, (r) =>
      r.form.query.includes('istio_requests_total')
        ? {
            json: matrix([
              {
                metric: { pod: 'cart-7d9f6c-x4r9m', source_workload: 'frontend', extra: 'ignored' },
                values: [
                  [s(T0 - MIN), '0.99'],
                  [s(T0), 'NaN'],
                ],
              },
            ]),
          }
        : { json: matrix([]) },
    );
    const answer = await source.goldenSignals(window);
    expect(prom.requests).toHaveLength(4);
    for (const r of prom.requests) {
      expect(r.path).toBe('/api/v1/query_range');
      // The first whole step after `from`, the last one before `to`: each point covers the minute before it.
      expect(r.form).toMatchObject({ start: String(s(T0 - 29 * MIN)), end: String(s(T0)), step: '60' });
      expect(r.form.query).toContain('"shop"');
      expect(r.form.query).toContain('[60s]');
    }
    expect(answer).toEqual({
      cluster: 'c1',
      namespace: 'shop',
      workload: 'cart',
      intervalMs: MIN,
      series: [
        {
          signal: 'request_success_ratio',
          pod: 'cart-7d9f6c-x4r9m',
          sourceWorkload: 'frontend',
          points: [{ t: T0 - MIN, v: 0.99 }],
        },
      ],
    });
  });

  it('reads recorded series raw, at their own times: one instant query of a range selector ending on a step', async () => {
    const sample = (name: string, pod: string, times: number[], v: string, caller?: string) => ({
      metric: {
        __name__: name,
        namespace: 'shop',
        workload: 'cart',
        pod,
        ...(caller ? { source_workload: caller } : {}),
      },
      values: times.map((t) => [s(t), v]) as [number, string][],
    });
    const { prom, source } = await start({ PROMETHEUS_STACK: 'recorded' }, (r) => {
      const name = /^(\w+)\{/.exec(r.form.query)![1];
      return {
        json: matrix([
          sample(name, 'cart-b', [T0 - 2 * MIN + 1_000], '0.5', 'checkout'),
          sample(name, 'cart-a', [T0 - 2 * MIN + 1_000], '0.7', 'frontend'),
          // Outside the window asked for: the selector reaches a step further on each side.
          sample(name, 'cart-c', [window.from - 1, T0 + 30_000], '1'),
        ]),
      };
    });
    const answer = await source.goldenSignals(window);
    expect(prom.requests.map((r) => [r.path, r.form.time, r.form.query])).toEqual([
      [
        '/api/v1/query',
        String(s(T0 + MIN)),
        'request_success_ratio{namespace="shop", workload="cart"}[1920s]',
      ],
      ['/api/v1/query', String(s(T0 + MIN)), 'request_latency_ms{namespace="shop", workload="cart"}[1920s]'],
      [
        '/api/v1/query',
        String(s(T0 + MIN)),
        'container_cpu_usage_ratio{namespace="shop", workload="cart"}[1920s]',
      ],
      [
        '/api/v1/query',
        String(s(T0 + MIN)),
        'container_memory_usage_ratio{namespace="shop", workload="cart"}[1920s]',
      ],
    ]);
    // Ordered by first sample, pod, signal, caller; callers only on request signals.
    expect(
      answer.series.map((x) => `${x.pod} ${x.signal} ${x.sourceWorkload ?? '-'} ${x.points[0].t - T0}`),
    ).toEqual([
      'cart-a request_success_ratio frontend -119000',
      'cart-a request_latency_ms frontend -119000',
      'cart-a container_cpu_usage_ratio - -119000',
      'cart-a container_memory_usage_ratio - -119000',
      'cart-b request_success_ratio checkout -119000',
      'cart-b request_latency_ms checkout -119000',
      'cart-b container_cpu_usage_ratio - -119000',
      'cart-b container_memory_usage_ratio - -119000',
    ]);
  });

  it('answers repeated rankings from its cache, and a query already running is joined, not sent again', async () => {
    const { prom, source } = await start({ PROMETHEUS_STACK: 'istio' }, () => ({
      json: matrix([]),
      delayMs: 30,
    }));
    await Promise.all([source.goldenSignals(window), source.goldenSignals(window)]);
    expect(prom.requests).toHaveLength(4);
    // A ranking a few seconds later asks the same whole steps.
    await source.goldenSignals({ ...window, from: window.from + 2_000, to: window.to + 3_000 });
    expect(prom.requests).toHaveLength(4);
    await source.goldenSignals({ ...window, workload: 'checkout' });
    expect(prom.requests).toHaveLength(8);
  });

  it('asks again once the answer is older than the TTL, and never caches a failure', async () => {
    let fail = true;
    const { prom, source } = await start({ PROMETHEUS_STACK: 'istio', PROMETHEUS_CACHE_TTL_MS: '100' }, () =>
      fail
        ? { status: 400, json: { status: 'error', errorType: 'bad_data', error: 'no' } }
        : { json: matrix([]) },
    );
    await expect(source.goldenSignals(window)).rejects.toThrow();
    fail = false;
    await source.goldenSignals(window);
    expect(prom.requests).toHaveLength(8);
    await source.goldenSignals(window);
    expect(prom.requests).toHaveLength(8);
    await new Promise((r) => setTimeout(r, 150));
    await source.goldenSignals(window);
    expect(prom.requests).toHaveLength(12);
  });

  it('rejects with what failed and why, signal by signal, when any query fails', async () => {
    const { prom, source } = await start(
      {
        PROMETHEUS_STACK: 'istio',
        PROMETHEUS_QUERY_LATENCY: 'sum(rate(x{ns="{{namespace}}", w="{{workload}}"}[{{window}}])',
        PROMETHEUS_RETRIES: '0',
      },
      (r) =>
        r.form.query.startsWith('sum(rate(x')
          ? {
              status: 400,
              json: {
                status: 'error',
                errorType: 'bad_data',
                error: '1:47: parse error: unclosed left parenthesis',
              },
            }
          : r.form.query.includes('container_memory')
            ? { status: 503, json: { status: 'error', errorType: 'unavailable', error: 'shutting down' } }
            : { json: matrix([]) },
    );
    await expect(source.goldenSignals(window)).rejects.toThrow(
      `Prometheus at ${prom.url}: request_latency_ms (override): HTTP 400 bad_data: 1:47: parse error: unclosed left parenthesis; ` +
        'container_memory_usage_ratio (cadvisor): HTTP 503 unavailable: shutting down',
    );
  });

  it('says once for all signals when Prometheus cannot be reached', async () => {
    const { prom, source } = await start({ PROMETHEUS_STACK: 'linkerd', PROMETHEUS_RETRIES: '0' });
    await prom.close();
    await expect(source.goldenSignals(window)).rejects.toThrow(
      new RegExp(
        '^Prometheus at http://127.0.0.1:\\d+: request_success_ratio \\(linkerd\\), request_latency_ms \\(linkerd\\), ' +
          'container_cpu_usage_ratio \\(cadvisor\\), container_memory_usage_ratio \\(cadvisor\\): unreachable \\(connect ECONNREFUSED',
      ),
    );
  });

  it('asks nothing for a stack that is off, nor for a window shorter than a step', async () => {
    const { prom, source } = await start({ PROMETHEUS_STACK: 'none', PROMETHEUS_RESOURCE_STACK: 'none' });
    expect((await source.goldenSignals(window)).series).toEqual([]);
    const other = new PrometheusMetricsSource(prometheusConfigFromEnv({ PROMETHEUS_URL: prom.url })!);
    expect((await other.goldenSignals({ ...window, from: T0 + 1_000, to: T0 + 2_000 })).series).toEqual([]);
    await other.close();
    expect(prom.requests).toHaveLength(0);
  });
});
