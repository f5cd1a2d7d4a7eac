import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { TOPICS, type AnomalySignal } from '#contracts';
import { CausalityEngine, rankWithMetrics, type MetricEvidenceItem, type RankResult } from '#correlation';
import { MemoryEventLog, type ConsumedRecord } from '#kafka';
import { SecretRedactor } from '#kube';
import { parseInterval, RecordedMetrics, type MetricsSource } from '#metrics';
import { componentLogger } from '#observability';
import { AlertIntake, CorrelatorProcessor } from '#correlator';
import { DifferProcessor } from '#differ';
import { type ReplayStats, ScenarioReplaySource } from '#watcher';
export { formatReplayReport } from './replay-report.js';

const log = componentLogger('replay');

export interface ReplayOptions {
  file: string;
  /** Investigation time: later lines are ignored. Default: the time of the last line. */
  rankAt?: Date;
  symptom?: { namespace: string; kind: string; name: string };
  /** How many causes. Default 5. */
  top?: number;
  /** Instead of ranking, return the messages of one topic. */
  print?: 'raw' | 'changes' | 'anomalies';
  /** Cluster id the recording is replayed as. Default 'replay'. */
  cluster?: string;
  /**
   * Where the ranking reads golden signals. Default: the recording's metric lines, when it has any. A Prometheus
   * serving the same samples must give the same ranking (test/prometheus.e2e.ts).
   */
  metrics?: MetricsSource;
}

/** One cause as FORMAT.md's contract prints it; extra fields are allowed and help people. */
export interface ReplayCause {
  resource: { kind: string; namespace: string; name: string };
  changedAt: string;
  /** The estimated probability that this change caused the incident. */
  confidence: number;
  score: number;
  explanation: string;
  classes: string[];
  actor: string;
  summary: string;
  secondsBeforeSymptom?: number;
  evidence: Record<string, number>;
  metricEvidence?: MetricEvidenceItem[];
}

export interface PrintedLine {
  key: string | null;
  headers: Record<string, string>;
  value: unknown;
}

export interface ReplayOutput {
  causes: ReplayCause[];
  /** What the answer is worth (see RankResult): absent for --print. */
  verdict?: RankResult['verdict'];
  reason?: string;
  window?: { from: string; to: string };
  unknownSymptom?: boolean;
  /** For --print: the topic's messages, in order. */
  lines?: PrintedLine[];
  rankAt: string;
  symptom?: ReplayOptions['symptom'];
  anomalies: AnomalySignal[];
  /** When the recording had metric lines: what the ranking read of them. */
  metrics?: RankResult['metrics'];
  stats: ReplayStats & { changes: number; anomalies: number; millis: number };
}

const TOPIC_OF = {
  raw: TOPICS.rawEvents.name,
  changes: TOPICS.changes.name,
  anomalies: TOPICS.anomalies.name,
} as const;

/**
 * `incident-assistant replay`: the production path in one process. The recording goes through the watcher's
 * replay source onto an in-process log, the differ turns raw events into object states, changes and anomaly
 * signals, alerts go through the alert intake onto the anomalies topic, and the correlator processor feeds the
 * engine, exactly as with Kafka. Ranking waits until every consumer has drained the log.
 */
export async function runReplay(opts: ReplayOptions): Promise<ReplayOutput> {
  const started = performance.now();
  const cluster = opts.cluster ?? 'replay';
  const eventLog = new MemoryEventLog();
  await eventLog.ensureTopics([
    TOPICS.rawEvents,
    TOPICS.objects,
    TOPICS.changes,
    TOPICS.anomalies,
    TOPICS.deadLetter,
  ]);
  // Secret values are hashed with a key derived from the recording itself: whoever can read the hashes' key can
  // read the secrets anyway, and the output stays the same from run to run.
  const redactor = new SecretRedactor({ hmacKey: `replay:${await fileDigest(opts.file)}` });
  const engine = new CausalityEngine({ defaultCluster: cluster });
  const differ = new DifferProcessor(eventLog, { logChanges: false });
  const correlator = new CorrelatorProcessor(eventLog, engine);
  const intake = new AlertIntake(eventLog, { cluster, source: 'incident-assistant/replay' });
  const metrics = new RecordedMetrics(cluster);
  let lastTs = 0;
  try {
    await differ.start();
    await correlator.start();
    const source = new ScenarioReplaySource(eventLog, {
      cluster,
      redactor,
      until: opts.rankAt,
      onAlert: async (payload, receivedAt) => {
        lastTs = Math.max(lastTs, Date.parse(receivedAt));
        await intake.accept(payload, new Date(receivedAt));
      },
      onMetrics: (line, at) => {
        const intervalMs = parseInterval(line.interval);
        if (intervalMs === undefined) {
          log.warn({ at, interval: line.interval }, 'skipping a metric line with an unreadable interval');
          return;
        }
        metrics.add({ at: Date.parse(at), intervalMs, samples: line.samples });
      },
    });
    const stats = await source.run(opts.file);
    await drained(eventLog, correlator.groupId);
    for (const r of eventLog.records(TOPICS.rawEvents.name)) lastTs = Math.max(lastTs, observedAtOf(r));
    const rankAt = opts.rankAt ?? new Date(lastTs || Date.now());
    const output: ReplayOutput = {
      causes: [],
      rankAt: rankAt.toISOString(),
      symptom: opts.symptom,
      anomalies: [],
      stats: { ...stats, changes: engine.stats().changes, anomalies: engine.stats().anomalies, millis: 0 },
    };
    if (opts.print) {
      output.lines = printable(eventLog.records(TOPIC_OF[opts.print]));
    } else {
      const rejected = Object.entries(metrics.rejects).filter(([, n]) => n > 0);
      if (rejected.length > 0) log.warn(Object.fromEntries(rejected), 'metric samples skipped');
      const source = opts.metrics ?? (metrics.size > 0 ? metrics : undefined);
      const result = await rankWithMetrics(engine, source, {
        at: rankAt,
        symptom: opts.symptom
          ? { cluster, namespace: opts.symptom.namespace, kind: opts.symptom.kind, name: opts.symptom.name }
          : undefined,
        top: opts.top ?? 5,
        // FORMAT.md's contract: at least `top` causes, however quiet the two hours before were.
        widenLookback: true,
      });
      output.causes = toReplayCauses(result);
      output.verdict = result.verdict;
      output.reason = result.reason;
      output.window = { from: result.window.from.toISOString(), to: result.window.to.toISOString() };
      if (result.unknownSymptom) output.unknownSymptom = true;
      output.anomalies = result.anomalies;
      if (result.metrics) output.metrics = result.metrics;
    }
    output.stats.millis = Math.round(performance.now() - started);
    return output;
  } finally {
    await differ.stop();
    await correlator.stop();
    await eventLog.close();
  }
}

/** Waits until the differ has consumed every raw event and the correlator everything the differ and intake published. */
async function drained(eventLog: MemoryEventLog, correlatorGroup: string): Promise<void> {
  const deadline = Date.now() + 50_000;
  for (;;) {
    const differDone = await eventLog.drained('ia-differ', [TOPICS.rawEvents.name]);
    const correlatorDone = await eventLog.drained(correlatorGroup, CorrelatorProcessor.TOPICS);
    if (differDone && correlatorDone && (await eventLog.drained('ia-differ', [TOPICS.rawEvents.name])))
      return;
    if (Date.now() > deadline) {
      log.warn('consumers did not drain in time; ranking what was applied');
      return;
    }
    await sleep(2);
  }
}

function observedAtOf(r: ConsumedRecord): number {
  const time = r.headers.ce_time;
  const t = time ? Date.parse(time) : NaN;
  return Number.isNaN(t) ? 0 : t;
}

/** Messages in the order they were produced: by their CloudEvents time, then partition order. */
function printable(records: readonly ConsumedRecord[]): PrintedLine[] {
  return records
    .map((r, i) => ({ r, i, t: observedAtOf(r) }))
    .sort((a, b) => a.t - b.t || a.i - b.i)
    .map(({ r }) => ({
      key: r.key,
      headers: r.headers,
      value: r.value === null ? null : JSON.parse(r.value.toString('utf8')),
    }));
}

export function toReplayCauses(result: RankResult): ReplayCause[] {
  return result.causes.map((c) => ({
    resource: { kind: c.change.ref.kind, namespace: c.change.ref.namespace ?? '', name: c.change.ref.name },
    changedAt: new Date(c.change.changedAt).toISOString(),
    confidence: c.confidence,
    score: c.score,
    explanation: c.explanation,
    classes: c.change.classes,
    actor: `${c.change.actor.manager} (${c.change.actor.kind})`,
    summary: c.change.summary,
    ...(c.secondsBeforeSymptom !== undefined ? { secondsBeforeSymptom: c.secondsBeforeSymptom } : {}),
    evidence: c.evidence,
    ...(c.metricEvidence ? { metricEvidence: c.metricEvidence } : {}),
  }));
}

async function fileDigest(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
