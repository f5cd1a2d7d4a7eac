import type { MetricsSource } from '#metrics';
import type { CorrelationEngine, RankQuery, RankResult } from '../correlation-queries.js';
import { workloadKey, type MetricEvidence } from './metric-symptoms.js';

/**
 * A ranking that reads the golden signals of what the candidate changes acted on. The engine stays synchronous
 * and pure: it names the workloads and windows it would look at (metricNeeds), the source is asked for each once,
 * and the engine ranks with the answers. A workload the source cannot answer for is ranked without its metrics,
 * and the answer says so (RankResult.metrics.failures): metrics sharpen a ranking, they never block one.
 */
export async function rankWithMetrics(
  engine: CorrelationEngine,
  source: MetricsSource | undefined,
  query: RankQuery,
): Promise<RankResult> {
  if (!source || !engine.metricNeeds) return engine.rankCauses(query);
  const windows = engine.metricNeeds(query);
  const signals = new Map<string, Awaited<ReturnType<MetricsSource['goldenSignals']>>>();
  const failures: Array<{ workload: string; reason: string }> = [];
  await Promise.all(
    windows.map(async (w) => {
      try {
        signals.set(workloadKey(w), await source.goldenSignals(w));
      } catch (err) {
        failures.push({
          workload: `${w.namespace}/${w.workload}`,
          reason: (err as Error).message ?? String(err),
        });
      }
    }),
  );
  failures.sort((a, b) => (a.workload < b.workload ? -1 : 1));
  const evidence: MetricEvidence = { signals, failures, source: source.description };
  return engine.rankCauses(query, evidence);
}
