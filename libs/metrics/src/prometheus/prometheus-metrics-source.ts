import { LRUCache } from 'lru-cache';
import { componentLogger } from '#observability';
import { GOLDEN_SIGNALS, type PodSeries, type WorkloadSignals } from '../golden-signals.js';
import type { MetricsSource, WorkloadWindow } from '../metrics-source.port.js';
import { prometheusClientMetrics as metrics } from './prometheus-client.metrics.js';
import {
  describePrometheusConfig,
  prometheusConfigFromEnv,
  type PrometheusConfig,
} from './prometheus-config.js';
import { matrixToSeries } from './matrix-to-series.js';
import { PrometheusHttpClient, type MatrixAnswer, type PrometheusRequest } from './prometheus-http-client.js';
import {
  isSamplesTemplate,
  renderTemplate,
  selectTemplates,
  type SignalTemplate,
} from './query-templates.js';

const log = componentLogger('prometheus');

interface QueryContext {
  request: PrometheusRequest;
  template: string;
}

/** The query behind one signal of one workload's window, as sent (and as the cache keys it). */
interface PlannedQuery {
  template: SignalTemplate;
  label: string;
  request: PrometheusRequest;
  from: number;
  to: number;
}

/**
 * The golden signals of a workload's pods, from Prometheus: one query per signal and workload window (four at
 * most), cached for a short while so that repeated rankings of one incident do not query again, and a joined
 * query when the same one is already running. Windows are aligned to the step, so that rankings a few seconds
 * apart ask the same queries. Any failed query fails the workload's answer with a message that names the signal
 * and says why; rankWithMetrics ranks without that workload's metrics and says so.
 */
export class PrometheusMetricsSource implements MetricsSource {
  readonly description: string;
  private readonly templates: SignalTemplate[];
  private readonly cache?: LRUCache<string, MatrixAnswer, QueryContext>;

  constructor(
    private readonly config: PrometheusConfig,
    private readonly client: PrometheusHttpClient = new PrometheusHttpClient(config),
  ) {
    this.description = `Prometheus at ${client.where}`;
    this.templates = selectTemplates(config.requestStack, config.resourceStack, config.queries);
    if (config.cacheTtlMs > 0)
      this.cache = new LRUCache({
        max: 512,
        // Bounded by bytes too (of JSON text; parsed, an answer takes a few times more): answers of huge templates
        // must not pin the heap. An answer larger than this is used but not kept.
        maxSize: config.maxResponseBytes,
        sizeCalculation: (a) => Math.max(1, a.bytes),
        ttl: config.cacheTtlMs,
        fetchMethod: (_key, _stale, { context }) =>
          this.client.queryMatrix(context.request, context.template),
      });
  }

  async goldenSignals(w: WorkloadWindow): Promise<WorkloadSignals> {
    const planned = this.templates.map((t) => this.plan(t, w));
    const answers = await Promise.allSettled(planned.map((q) => this.run(q)));
    const failed = new Map<string, string[]>();
    const series: PodSeries[] = [];
    answers.forEach((a, i) => {
      const q = planned[i];
      if (a.status === 'fulfilled') series.push(...a.value);
      else {
        const why = (a.reason as Error)?.message ?? String(a.reason);
        failed.set(why, [...(failed.get(why) ?? []), q.label]);
      }
    });
    metrics.workloads.inc({ outcome: failed.size > 0 ? 'failed' : 'ok' });
    if (failed.size > 0) {
      const reasons = [...failed.entries()].map(([why, labels]) => `${labels.join(', ')}: ${why}`);
      throw new Error(`${this.description}: ${reasons.join('; ')}`);
    }
    return {
      cluster: w.cluster,
      namespace: w.namespace,
      workload: w.workload,
      intervalMs: this.config.stepMs,
      series: series.sort(seriesOrder),
    };
  }

  /** The settings, fit for a log line. */
  describe(): Record<string, unknown> {
    return describePrometheusConfig(this.config);
  }

  async close(): Promise<void> {
    this.cache?.clear();
    await this.client.close();
  }

  /**
   * A range query over the steps whose end falls in the window (each point covers the step before it); a
   * range-vector selector at the window's end rounded up to a step, over the window widened by a step on each
   * side (Prometheus 3 selects a left-open range), its samples then kept within the window.
   */
  private plan(template: SignalTemplate, w: WorkloadWindow): PlannedQuery {
    const step = this.config.stepMs;
    const label = `${template.signal} (${template.origin})`;
    const values = {
      namespace: w.namespace,
      workload: w.workload,
      windowMs: this.config.rateWindowMs ?? step,
    };
    if (isSamplesTemplate(template.promql)) {
      const end = Math.ceil(w.to / step) * step;
      const start = Math.floor(w.from / step) * step - step;
      const query = renderTemplate(template.promql, { ...values, rangeMs: end - start });
      return { template, label, request: { kind: 'instant', query, timeMs: end }, from: w.from, to: w.to };
    }
    const start = Math.ceil(w.from / step) * step;
    const end = Math.floor(w.to / step) * step;
    const query = renderTemplate(template.promql, { ...values, rangeMs: end - start });
    return {
      template,
      label,
      request: { kind: 'range', query, startMs: start, endMs: end, stepMs: step },
      from: w.from,
      to: w.to,
    };
  }

  private async run(q: PlannedQuery): Promise<PodSeries[]> {
    if (q.request.kind === 'range' && q.request.endMs < q.request.startMs) return [];
    const templateLabel = `${q.template.origin}/${q.template.signal}`;
    const answer = await this.answer(q.request, templateLabel);
    for (const w of answer.warnings) log.warn({ template: templateLabel, warning: w }, 'Prometheus warned');
    const reading = matrixToSeries(q.template.signal, answer.series, {
      from: q.from,
      to: q.to,
      maxSeries: this.config.maxSeries,
    });
    for (const [reason, n] of Object.entries(reading.dropped)) {
      if (n === 0) continue;
      metrics.seriesDropped.inc({ template: templateLabel, reason }, n);
      if (reason === 'limit')
        log.warn(
          { template: templateLabel, kept: this.config.maxSeries, dropped: n },
          'series limit reached (PROMETHEUS_MAX_SERIES); the rest of the answer is not used',
        );
      if (reason === 'duplicate')
        log.warn(
          { template: templateLabel, dropped: n },
          'the query returns several series per pod and caller: aggregate with sum by (pod, source_workload)',
        );
    }
    if (reading.notFinite > 0) metrics.pointsDropped.inc({ template: templateLabel }, reading.notFinite);
    return reading.series;
  }

  private async answer(request: PrometheusRequest, template: string): Promise<MatrixAnswer> {
    if (!this.cache) {
      metrics.cache.inc({ result: 'miss' });
      return this.client.queryMatrix(request, template);
    }
    const status: LRUCache.Status<string, MatrixAnswer, QueryContext> = {};
    const answer = await this.cache.fetch(JSON.stringify(request), {
      context: { request, template },
      status,
    });
    metrics.cache.inc({
      result: status.fetch === 'hit' ? 'hit' : status.fetch === 'inflight' ? 'inflight' : 'miss',
    });
    // fetch() resolves undefined only when aborted, which this cache never does.
    return answer!;
  }
}

/** Deterministic: by first point, then pod, then signal in GOLDEN_SIGNALS order, then caller. */
function seriesOrder(a: PodSeries, b: PodSeries): number {
  return (
    a.points[0].t - b.points[0].t ||
    cmp(a.pod, b.pod) ||
    GOLDEN_SIGNALS.indexOf(a.signal) - GOLDEN_SIGNALS.indexOf(b.signal) ||
    cmp(a.sourceWorkload ?? '', b.sourceWorkload ?? '')
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The Prometheus metrics source from environment variables (prometheusConfigFromEnv), or undefined without
 * PROMETHEUS_URL: metrics are optional. Throws on invalid settings.
 */
export function prometheusMetricsSourceFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): PrometheusMetricsSource | undefined {
  const config = prometheusConfigFromEnv(env);
  if (!config) return undefined;
  const source = new PrometheusMetricsSource(config);
  log.info(source.describe(), 'reading golden signals from Prometheus');
  return source;
}
