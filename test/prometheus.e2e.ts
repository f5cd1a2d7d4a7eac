/**
 * The Prometheus metrics source against a REAL Prometheus (Debian's package, through scripts/prometheus):
 *
 *  - each stack's query templates, on raw Istio, Linkerd, OpenTelemetry, cAdvisor and kube-state-metrics series
 *    backfilled with known rates, give the golden signals those rates make, per pod and caller;
 *  - a recording of ../shared/scenarios/changerca-public, its metric lines backfilled as OpenMetrics, ranks the same
 *    through Prometheus (the `recorded` templates) as from its own metric lines: same causes, times, order, scores,
 *    explanations and metric evidence; at most one query per signal and workload, none for a repeated ranking;
 *  - a Prometheus that is down, slow, or asked a wrong query: the ranking still answers, without that evidence,
 *    saying why, and the client's metrics count it (and pass `promtool check metrics`).
 *
 * Prometheus is installed when missing (`scripts/prometheus install`, apt-get as root). If it cannot be installed or
 * started, the suite fails, unless IA_SKIP_PROMETHEUS=1, which skips it with the reason. The recordings part is
 * skipped where ../shared/scenarios/changerca-public is not checked out beside the repository. Port:
 * IA_PROMETHEUS_E2E_PORT (default 19190). Recordings: all of the set, or IA_PROMETHEUS_E2E_RECORDINGS=4,8.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import {
  PrometheusMetricsSource,
  prometheusConfigFromEnv,
  type GoldenSignal,
  type WorkloadSignals,
} from '#metrics';
import { metricsRegistry } from '#observability';
import { runReplay, type ReplayOutput } from '#cli';
import { startPrometheusProxy } from './support/prometheus-double.js';
import { prometheusServer, prometheusSkipAllowed } from './support/prometheus-server.js';

const SET = new URL('../../shared/scenarios/changerca-public/', import.meta.url).pathname;
const present = existsSync(SET);
const RECORDINGS = present
  ? readdirSync(SET)
      .filter((f) => f.endsWith('.jsonl'))
      .map((f) => f.replace(/\.jsonl$/, ''))
      .filter((id) => {
        const pick = process.env.IA_PROMETHEUS_E2E_RECORDINGS?.split(',');
        return !pick || pick.some((n) => id.endsWith(`_${n}`));
      })
      .sort((a, b) => Number(a.split('_').pop()) - Number(b.split('_').pop()))
  : [];

const prom = prometheusServer();
const PROMTOOL = process.env.IA_PROMTOOL_BIN ?? 'promtool';
const work = mkdtempSync(`${tmpdir()}/ia-prometheus-e2e-`);
let unavailable: string | undefined;
const sources: PrometheusMetricsSource[] = [];

beforeAll(async () => {
  try {
    await prom.install();
  } catch (err) {
    unavailable = `Prometheus is not installed and could not be: ${(err as Error).message}`;
    if (prometheusSkipAllowed()) console.warn(`[prometheus.e2e] SKIPPING: ${unavailable}`);
  }
}, 300_000);

afterAll(async () => {
  for (const s of sources) await s.close();
  if (!unavailable) await prom.stop();
  rmSync(work, { recursive: true, force: true });
});

/** Skips (IA_SKIP_PROMETHEUS=1) or fails when Prometheus cannot be had; else runs `start` and skips when that fails. */
async function withPrometheus(ctx: TestContext, start: () => Promise<void>): Promise<void> {
  if (unavailable) {
    if (prometheusSkipAllowed()) ctx.skip(unavailable);
    throw new Error(unavailable);
  }
  try {
    await start();
  } catch (err) {
    if (!prometheusSkipAllowed()) throw err;
    console.warn(`[prometheus.e2e] SKIPPING: Prometheus could not be started: ${(err as Error).message}`);
    ctx.skip('Prometheus could not be started');
  }
}

function source(env: Record<string, string>): PrometheusMetricsSource {
  const s = new PrometheusMetricsSource(prometheusConfigFromEnv({ PROMETHEUS_URL: prom.url, ...env })!);
  sources.push(s);
  return s;
}

async function counter(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)!.get();
  return metric.values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

// ---------------------------------------------------------------------------------------------------------------
// The stacks' templates on raw series with known rates.

const T0 = Date.UTC(2024, 2, 1, 12, 0, 0);
const SCRAPE_MS = 15_000;
const A = 'cart-6d5f7c9b8-aaaaa';
const B = 'cart-6d5f7c9b8-bbbbb';
const REDIS = 'cart-redis-5f6d7c8b9-zzzzz';

/** OpenMetrics for 30 minutes of scrapes: counters grow at the given rate per second, gauges stay. */
function syntheticOpenMetrics(): string {
  const families = new Map<string, string[]>();
  const series = (name: string, labels: Record<string, string>, value: (elapsedS: number) => number) => {
    const text = Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    const lines = families.get(name) ?? [];
    for (let t = T0; t <= T0 + 30 * 60_000; t += SCRAPE_MS)
      lines.push(`${name}{${text}} ${value((t - T0) / 1000)} ${t / 1000}`);
    families.set(name, lines);
  };
  const rate = (perS: number) => (s: number) => 1000 + perS * s;
  const istio = {
    reporter: 'destination',
    destination_workload: 'cart',
    destination_workload_namespace: 'shop',
  };
  const ok = { response_code: '200', grpc_response_status: '0' };
  series('istio_requests_total', { ...istio, pod: A, source_workload: 'frontend', ...ok }, rate(9));
  series(
    'istio_requests_total',
    { ...istio, pod: A, source_workload: 'frontend', response_code: '503' },
    rate(1),
  );
  series('istio_requests_total', { ...istio, pod: A, source_workload: 'checkout', ...ok }, rate(4));
  // A failed gRPC call answers HTTP 200.
  series(
    'istio_requests_total',
    { ...istio, pod: A, source_workload: 'checkout', response_code: '200', grpc_response_status: '14' },
    rate(1),
  );
  series('istio_requests_total', { ...istio, pod: B, source_workload: 'frontend', ...ok }, rate(5));
  series(
    'istio_requests_total',
    { ...istio, pod: B, source_workload: 'checkout', response_code: '503' },
    rate(2),
  );
  series('istio_requests_total', { ...istio, pod: B, source_workload: 'unknown', ...ok }, rate(3));
  // The caller's sidecar reports the same calls: not counted twice.
  series(
    'istio_requests_total',
    { ...istio, reporter: 'source', pod: 'frontend-1', source_workload: 'frontend', response_code: '503' },
    rate(50),
  );
  series(
    'istio_request_duration_milliseconds_sum',
    { ...istio, pod: A, source_workload: 'frontend', ...ok },
    rate(250),
  );
  series(
    'istio_request_duration_milliseconds_count',
    { ...istio, pod: A, source_workload: 'frontend', ...ok },
    rate(10),
  );
  series(
    'istio_request_duration_milliseconds_sum',
    { ...istio, pod: A, source_workload: 'checkout', ...ok },
    rate(500),
  );
  series(
    'istio_request_duration_milliseconds_count',
    { ...istio, pod: A, source_workload: 'checkout', ...ok },
    rate(5),
  );

  const l5d = { direction: 'inbound', namespace: 'shop', deployment: 'cart', tls: 'true' };
  const frontendId = 'frontend.shop.serviceaccount.identity.linkerd.cluster.local';
  series(
    'response_total',
    { ...l5d, pod: A, client_id: frontendId, classification: 'success', status_code: '200' },
    rate(9),
  );
  series(
    'response_total',
    { ...l5d, pod: A, client_id: frontendId, classification: 'failure', status_code: '500' },
    rate(1),
  );
  series(
    'response_total',
    { ...l5d, pod: B, tls: 'no_identity', classification: 'success', status_code: '200' },
    rate(3),
  );
  series(
    'response_total',
    { ...l5d, direction: 'outbound', pod: A, classification: 'failure', status_code: '500' },
    rate(7),
  );
  series('response_latency_ms_sum', { ...l5d, pod: A, client_id: frontendId, status_code: '200' }, rate(200));
  series(
    'response_latency_ms_count',
    { ...l5d, pod: A, client_id: frontendId, status_code: '200' },
    rate(10),
  );

  const otel = {
    k8s_namespace_name: 'shop',
    k8s_deployment_name: 'cart',
    k8s_pod_name: A,
    http_request_method: 'GET',
  };
  series(
    'http_server_request_duration_seconds_count',
    { ...otel, http_response_status_code: '200' },
    rate(8),
  );
  series(
    'http_server_request_duration_seconds_count',
    { ...otel, http_response_status_code: '500' },
    rate(2),
  );
  series(
    'http_server_request_duration_seconds_sum',
    { ...otel, http_response_status_code: '200' },
    rate(0.32),
  );
  series(
    'http_server_request_duration_seconds_sum',
    { ...otel, http_response_status_code: '500' },
    rate(0.08),
  );

  const cpu = (pod: string, container: string, perS: number) =>
    series(
      'container_cpu_usage_seconds_total',
      { namespace: 'shop', pod, container, id: `/kubepods/${pod}/${container}` },
      rate(perS),
    );
  const limit = (pod: string, container: string, resource: string, unit: string, v: number) =>
    series(
      'kube_pod_container_resource_limits',
      { namespace: 'shop', pod, container, resource, unit, node: 'n1' },
      () => v,
    );
  cpu(A, 'server', 0.25);
  cpu(A, '', 0.3); // the pod's own cgroup: the sum of its containers
  cpu(A, 'POD', 0.001);
  cpu(A, 'istio-proxy', 0.02);
  cpu(B, 'server', 0.1);
  cpu(REDIS, 'redis', 0.9);
  limit(A, 'server', 'cpu', 'core', 0.5);
  // A second kube-state-metrics replica: the limit is not doubled.
  series(
    'kube_pod_container_resource_limits',
    { namespace: 'shop', pod: A, container: 'server', resource: 'cpu', unit: 'core', instance: 'ksm-2' },
    () => 0.5,
  );
  limit(A, 'istio-proxy', 'cpu', 'core', 2);
  limit(B, 'server', 'cpu', 'core', 1);
  limit(REDIS, 'redis', 'cpu', 'core', 1);
  const mib = 1024 * 1024;
  series(
    'container_memory_working_set_bytes',
    { namespace: 'shop', pod: A, container: 'server' },
    (s) => (s % 60 === 30 ? 150 : 100) * mib,
  );
  series(
    'container_memory_working_set_bytes',
    { namespace: 'shop', pod: B, container: 'server' },
    () => 50 * mib,
  );
  limit(A, 'server', 'memory', 'byte', 200 * mib);
  limit(B, 'server', 'memory', 'byte', 200 * mib);

  const out: string[] = [];
  for (const [name, lines] of families) out.push(`# TYPE ${name} gauge`, ...lines);
  return `${out.join('\n')}\n# EOF\n`;
}

/** Each series as `signal pod caller`, with its single value when every point has the same one. */
function summarize(s: WorkloadSignals): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const x of s.series) {
    const values = [...new Set(x.points.map((p) => Math.round(p.v * 1e6) / 1e6))];
    out[`${x.signal} ${x.pod} ${x.sourceWorkload ?? '-'}`] =
      values.length === 1 ? values[0] : values.join(',');
  }
  return out;
}

describe('query templates on a real Prometheus', () => {
  const dataDir = `${work}/synthetic`;
  const window = {
    cluster: 'c1',
    namespace: 'shop',
    workload: 'cart',
    from: T0 + 5 * 60_000,
    to: T0 + 25 * 60_000,
  };
  const start = async () => {
    writeFileSync(`${work}/synthetic.om`, syntheticOpenMetrics());
    rmSync(dataDir, { recursive: true, force: true });
    const made = spawnSync(
      PROMTOOL,
      ['tsdb', 'create-blocks-from', 'openmetrics', `${work}/synthetic.om`, dataDir],
      {
        encoding: 'utf8',
      },
    );
    if (made.status !== 0) throw new Error(`promtool: ${made.stderr}${made.stdout}`);
    await prom.start(dataDir);
  };
  const signals: GoldenSignal[] = ['request_success_ratio', 'request_latency_ms'];
  const only = (s: Record<string, number | string>, keep: GoldenSignal[]) =>
    Object.fromEntries(Object.entries(s).filter(([k]) => keep.some((g) => k.startsWith(`${g} `))));

  it('istio: success (5xx and failed gRPC calls) and mean latency per pod and caller, outside callers unnamed', async (ctx) => {
    await withPrometheus(ctx, start);
    const s = await source({ PROMETHEUS_STACK: 'istio', PROMETHEUS_RESOURCE_STACK: 'none' }).goldenSignals(
      window,
    );
    expect(s.series.every((x) => x.points.length === 21)).toBe(true); // one point per minute, both ends included
    expect(s.series[0].points[0].t).toBe(window.from);
    expect(only(summarize(s), signals)).toEqual({
      [`request_success_ratio ${A} frontend`]: 0.9,
      [`request_success_ratio ${A} checkout`]: 0.8,
      [`request_success_ratio ${B} frontend`]: 1,
      // Every call failed: a ratio of 0, not a missing series.
      [`request_success_ratio ${B} checkout`]: 0,
      [`request_success_ratio ${B} -`]: 1,
      [`request_latency_ms ${A} frontend`]: 25,
      [`request_latency_ms ${A} checkout`]: 100,
    });
  });

  it("linkerd: the pod's inbound answers, the caller from its mTLS identity", async (ctx) => {
    await withPrometheus(ctx, start);
    const s = await source({ PROMETHEUS_STACK: 'linkerd', PROMETHEUS_RESOURCE_STACK: 'none' }).goldenSignals(
      window,
    );
    expect(summarize(s)).toEqual({
      [`request_success_ratio ${A} frontend`]: 0.9,
      [`request_success_ratio ${B} -`]: 1,
      [`request_latency_ms ${A} frontend`]: 20,
    });
  });

  it('otel: HTTP server duration histogram count and sum, in milliseconds', async (ctx) => {
    await withPrometheus(ctx, start);
    const s = await source({ PROMETHEUS_STACK: 'otel', PROMETHEUS_RESOURCE_STACK: 'none' }).goldenSignals(
      window,
    );
    expect(summarize(s)).toEqual({
      [`request_success_ratio ${A} -`]: 0.8,
      [`request_latency_ms ${A} -`]: 40,
    });
  });

  it("cadvisor: the most saturated container's usage over its limit, the workload's pods only", async (ctx) => {
    await withPrometheus(ctx, start);
    const s = await source({ PROMETHEUS_STACK: 'none', PROMETHEUS_RESOURCE_STACK: 'cadvisor' }).goldenSignals(
      window,
    );
    expect(summarize(s)).toEqual({
      [`container_cpu_usage_ratio ${A} -`]: 0.5,
      [`container_cpu_usage_ratio ${B} -`]: 0.1,
      // The peak of the minute, not a sample of it.
      [`container_memory_usage_ratio ${A} -`]: 0.75,
      [`container_memory_usage_ratio ${B} -`]: 0.25,
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Recordings ranked through Prometheus.

function truthOf(id: string) {
  return JSON.parse(readFileSync(`${SET}${id}.truth.json`, 'utf8')) as {
    query: { at: string; symptom: { namespace: string; kind: string; name: string } };
  };
}
const replayOf = (id: string, file = `${SET}${id}.jsonl`) => {
  const truth = truthOf(id);
  return { file, rankAt: new Date(truth.query.at), symptom: truth.query.symptom };
};
const backfilled = new Set<string>();
async function serveRecording(id: string): Promise<void> {
  const dir = `${work}/${id}`;
  if (backfilled.has(id)) return prom.start(dir);
  await prom.backfill(`${SET}${id}.jsonl`, dir);
  backfilled.add(id);
}
/** A loopback port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}
/** A replay's whole answer, less what must differ: the metrics' source and the wall time. */
const comparable = ({ metrics, stats, ...rest }: ReplayOutput) => ({
  ...rest,
  metrics: metrics && { ...metrics, source: '' },
  stats: { ...stats, millis: 0 },
});
const ranked = (out: ReplayOutput) =>
  out.causes.map((c) => ({ ...c.resource, changedAt: c.changedAt, score: c.score }));

describe.skipIf(!present)('rankings through a real Prometheus', () => {
  let withEvidence = 0;

  it.for(RECORDINGS)(
    '%s ranks the same through Prometheus as from its own metric lines',
    { timeout: 90_000 },
    async (id, ctx) => {
      await withPrometheus(ctx, () => serveRecording(id));
      const recorded = await runReplay(replayOf(id));
      const viaPrometheus = await runReplay({
        ...replayOf(id),
        metrics: source({ PROMETHEUS_STACK: 'recorded' }),
      });
      expect(recorded.metrics?.source).toBe('the recording');
      expect(viaPrometheus.metrics?.source).toBe(`Prometheus at ${prom.url}`);
      expect(viaPrometheus.metrics).toEqual({ ...recorded.metrics, source: viaPrometheus.metrics?.source });
      expect(viaPrometheus.metrics?.failures).toEqual([]);
      // Everything: resources, times, order, scores, explanations, the metric evidence per cause.
      expect(viaPrometheus.causes).toEqual(recorded.causes);
      // And the rest of the answer: verdict, reason, window, the anomalies the metrics added.
      expect(comparable(viaPrometheus)).toEqual(comparable(recorded));
      withEvidence += recorded.causes.filter((c) => c.metricEvidence?.length).length;
    },
  );

  it('found metric evidence to compare in the recordings (the comparison above is not empty)', (ctx) => {
    if (unavailable && prometheusSkipAllowed()) ctx.skip(unavailable);
    expect(withEvidence).toBeGreaterThan(0);
  });

  const ID = RECORDINGS.find((r) => r.endsWith('_4')) ?? RECORDINGS[0];

  it('asks one query per signal and workload, and nothing for a repeated ranking', async (ctx) => {
    await withPrometheus(ctx, () => serveRecording(ID));
    const proxy = await startPrometheusProxy(prom.url);
    try {
      const s = new PrometheusMetricsSource(
        prometheusConfigFromEnv({ PROMETHEUS_URL: proxy.url, PROMETHEUS_STACK: 'recorded' })!,
      );
      sources.push(s);
      const hits = await counter('ia_prometheus_cache_lookups_total', { result: 'hit' });
      const first = await runReplay({ ...replayOf(ID), metrics: s });
      const workloads = first.metrics!.workloads;
      expect(workloads).toBeGreaterThan(0);
      expect(proxy.forwarded).toHaveLength(4 * workloads);
      const again = await runReplay({ ...replayOf(ID), metrics: s });
      expect(proxy.forwarded).toHaveLength(4 * workloads);
      expect(await counter('ia_prometheus_cache_lookups_total', { result: 'hit' })).toBe(
        hits + 4 * workloads,
      );
      expect(ranked(again)).toEqual(ranked(first));
    } finally {
      await proxy.close();
    }
  });

  /** The recording's ranking from its watch events and alerts alone, as when no metrics can be read. */
  let withoutMetrics: ReplayOutput | undefined;
  async function rankedWithoutMetrics() {
    if (withoutMetrics) return withoutMetrics;
    const noMetricLines = `${work}/${ID}.no-metrics.jsonl`;
    writeFileSync(
      noMetricLines,
      readFileSync(`${SET}${ID}.jsonl`, 'utf8')
        .split('\n')
        .filter((l) => !l.includes('"metrics":'))
        .join('\n'),
    );
    withoutMetrics = await runReplay(replayOf(ID, noMetricLines));
    expect(withoutMetrics.metrics).toBeUndefined();
    expect(withoutMetrics.causes.length).toBeGreaterThan(0);
    return withoutMetrics;
  }

  it('ranks as without metrics when Prometheus is down, and says so for each workload', async (ctx) => {
    await withPrometheus(ctx, () => serveRecording(ID));
    const without = await rankedWithoutMetrics();
    const port = await closedPort();
    const before = await counter('ia_prometheus_queries_total', { outcome: 'unreachable' });
    const unreachable = new PrometheusMetricsSource(
      prometheusConfigFromEnv({
        PROMETHEUS_URL: `http://127.0.0.1:${port}`,
        PROMETHEUS_STACK: 'recorded',
        PROMETHEUS_RETRIES: '1',
      })!,
    );
    sources.push(unreachable);
    const down = await runReplay({ ...replayOf(ID), metrics: unreachable });
    expect(ranked(down)).toEqual(ranked(without));
    expect(down.metrics!.workloads).toBe(0);
    expect(down.metrics!.failures.length).toBeGreaterThan(0);
    for (const f of down.metrics!.failures)
      expect(f.reason).toMatch(
        new RegExp(
          `^Prometheus at http://127\\.0\\.0\\.1:${port}: .*: unreachable \\(connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\)$`,
        ),
      );
    expect(await counter('ia_prometheus_queries_total', { outcome: 'unreachable' })).toBe(
      before + 4 * down.metrics!.failures.length,
    );
  });

  it("reports a wrong query in Prometheus' words, and ranks on", async (ctx) => {
    await withPrometheus(ctx, () => serveRecording(ID));
    const out = await runReplay({
      ...replayOf(ID),
      metrics: source({
        PROMETHEUS_STACK: 'recorded',
        PROMETHEUS_QUERY_SUCCESS:
          'request_success_ratio{namespace="{{namespace}}", workload="{{workload}}"[{{range}}]',
      }),
    });
    expect(ranked(out)).toEqual(ranked(await rankedWithoutMetrics()));
    expect(out.metrics!.failures.length).toBeGreaterThan(0);
    for (const f of out.metrics!.failures)
      expect(f.reason).toMatch(
        /^Prometheus at .*: request_success_ratio \(override\): HTTP 400 bad_data: .*parse error/,
      );
  });

  it('gives up on a slow Prometheus after the time limit, and ranks on', async (ctx) => {
    await withPrometheus(ctx, () => serveRecording(ID));
    const proxy = await startPrometheusProxy(prom.url);
    proxy.delayMs = 2_000;
    try {
      const before = await counter('ia_prometheus_queries_total', { outcome: 'timeout' });
      const s = new PrometheusMetricsSource(
        prometheusConfigFromEnv({
          PROMETHEUS_URL: proxy.url,
          PROMETHEUS_STACK: 'recorded',
          PROMETHEUS_TIMEOUT_MS: '400',
          PROMETHEUS_MAX_CONCURRENCY: '8',
        })!,
      );
      sources.push(s);
      const t0 = Date.now();
      const out = await runReplay({ ...replayOf(ID), metrics: s });
      expect(Date.now() - t0).toBeLessThan(20_000);
      expect(ranked(out)).toEqual(ranked(await rankedWithoutMetrics()));
      expect(out.metrics!.failures.length).toBeGreaterThan(0);
      for (const f of out.metrics!.failures) expect(f.reason).toMatch(/: timed out after 400 ms$/);
      expect(await counter('ia_prometheus_queries_total', { outcome: 'timeout' })).toBeGreaterThan(before);
    } finally {
      await proxy.close();
    }
  });
});

describe('the client metrics', () => {
  it('pass promtool check metrics', async (ctx) => {
    if (unavailable) {
      if (prometheusSkipAllowed()) ctx.skip(unavailable);
      throw new Error(unavailable);
    }
    const text = (await metricsRegistry.metrics())
      .split('\n')
      .filter((l) => /^(# (HELP|TYPE) )?ia_prometheus_/.test(l))
      .join('\n');
    expect(text).toContain('# TYPE ia_prometheus_queries_total counter');
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: `${text}\n`, encoding: 'utf8' });
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('');
    expect(check.status).toBe(0);
  });
});
