/**
 * npm run bench:correlator — the correlator's ingest rate and RankCauses latency over gRPC on a synthetic
 * cluster (50,000 resources, 200,000 change events, anomalies). Target: RankCauses p99 <= 100 ms.
 * Last stdout line: {"bench":"correlator","rank_p50_ms":A,"rank_p99_ms":B,"rss_mib":M}. Progress on stderr.
 */
import { ObservedEngine, type CausalityEngine } from '#correlation';
import { MemoryEventLog } from '#kafka';
import {
  ChangeFeed,
  defaultEngine,
  GrpcApiServer,
  incidentAssistantHandlers,
  IncidentTracker,
  parseCorrelatorConfig,
} from '#correlator';
import { rankCausesClient } from './lib/rank-causes-client.js';
import { generateCluster } from './synthetic-cluster.js';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 50_000);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 200_000);
const ANOMALIES = Number(process.env.BENCH_ANOMALIES ?? 2_000);
/** The query phase stops after this long (at least MIN_QUERIES are run), so a slow engine still gives numbers. */
const QUERY_BUDGET_S = Number(process.env.BENCH_QUERY_SECONDS ?? 120);
const MIN_QUERIES = Number(process.env.BENCH_MIN_QUERIES ?? 10);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 1_000);
const HOURS = 24;

const say = (msg: string, extra: Record<string, unknown> = {}) =>
  process.stderr.write(`${JSON.stringify({ msg, ...extra })}\n`);
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  let t = performance.now();
  const cluster = generateCluster({
    resources: RESOURCES,
    changes: CHANGES,
    anomalies: ANOMALIES,
    hours: HOURS,
  });
  say('generated', {
    objects: cluster.objects.length,
    changes: cluster.changes.length,
    anomalies: cluster.anomalies.length,
    ms: Math.round(performance.now() - t),
  });

  const engine = new ObservedEngine(defaultEngine({ cluster: 'bench' }));
  const config = parseCorrelatorConfig({ cluster: 'bench', grpc: { host: '127.0.0.1', port: 0 } });
  const feed = new ChangeFeed(config.watch.replayBufferSize);
  const incidents = new IncidentTracker(engine, { ...config.incidents, rerankDebounceMs: 60_000 });
  // Incident grouping is not fed here: it costs one dependencyGraph query per new anomaly, measured apart.
  engine.listen({ onChange: (c) => feed.publish(c) });

  // Ingest as the CorrelatorProcessor would: objects (the compacted table) first, then changes and anomalies by time.
  t = performance.now();
  for (const o of cluster.objects) engine.applyObject(o.key, o.state);
  const objectsMs = performance.now() - t;
  say('objects applied', { ms: Math.round(objectsMs) });
  t = performance.now();
  for (const c of cluster.changes) engine.applyChange(c);
  const changesMs = performance.now() - t;
  say('changes applied', { ms: Math.round(changesMs) });
  t = performance.now();
  for (const a of cluster.anomalies) engine.applyAnomaly(a);
  const anomaliesMs = performance.now() - t;
  const ingest = {
    objects_per_s: Math.round(cluster.objects.length / (objectsMs / 1000)),
    changes_per_s: Math.round(cluster.changes.length / (changesMs / 1000)),
    anomalies_per_s: Math.round(cluster.anomalies.length / (anomaliesMs / 1000)),
  };
  say('ingested', { ...ingest, stats: engine.stats(), incidents: incidents.list().length });

  // As the correlator does once it has caught up (CorrelatorProcessor's idle warm-up), in one go here.
  t = performance.now();
  (engine.inner as CausalityEngine).warm();
  say('warmed', { ms: Math.round(performance.now() - t) });

  t = performance.now();
  const sample = cluster.anomalies.slice(0, 5);
  for (const a of sample)
    engine.dependencyGraph({ cluster: 'bench', root: a.subject, depth: config.incidents.topologyDepth });
  say('incident grouping cost', {
    dependency_graph_ms_per_anomaly: Math.round((performance.now() - t) / sample.length),
  });

  const server = new GrpcApiServer(
    config.grpc,
    incidentAssistantHandlers({
      engine,
      incidents,
      feed,
      log: new MemoryEventLog(),
      cluster: 'bench',
      maxQueuedPerStream: 1_000,
    }),
  );
  const port = await server.start();
  const client = rankCausesClient(port);
  const ts = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: 0 });

  // Investigations as people run them: a symptom service with an anomaly, a few minutes after its onset.
  const queries = Array.from({ length: QUERIES }, (_, i) => {
    const a = cluster.anomalies[(i * 7919) % cluster.anomalies.length];
    return {
      at: ts(Date.parse(a.observedAt) + 180_000),
      symptom: { kind: 'Deployment', namespace: a.subject.namespace, name: a.subject.name },
      top: 5,
    };
  });
  for (const q of queries.slice(0, 1)) await client.rankCauses(q, { deadline: Date.now() + 600_000 }); // warm-up
  const latencies: number[] = [];
  let returned = 0;
  const budgetEnd = Date.now() + QUERY_BUDGET_S * 1000;
  for (const q of queries) {
    if (latencies.length >= MIN_QUERIES && Date.now() > budgetEnd) break;
    const s = performance.now();
    const res = await client.rankCauses(q, { deadline: Date.now() + 600_000 });
    latencies.push(performance.now() - s);
    if (latencies.length % 10 === 0 || latencies.length <= 3)
      say('query', { n: latencies.length, ms: Math.round(latencies.at(-1)!) });
    returned += res.causes.length;
  }
  latencies.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  const result = {
    bench: 'correlator',
    rank_p50_ms: round(percentile(latencies, 50)),
    rank_p99_ms: round(percentile(latencies, 99)),
    rss_mib: mib(process.memoryUsage().rss),
  };
  say('ranked', {
    queries: latencies.length,
    mean_causes: round(returned / latencies.length),
    max_ms: round(latencies.at(-1)!),
    ...ingest,
    heap_mib: mib(process.memoryUsage().heapUsed),
  });
  client.close();
  feed.close();
  incidents.stop();
  await server.stop(1_000);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
