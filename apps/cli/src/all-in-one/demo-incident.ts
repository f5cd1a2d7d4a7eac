import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOPICS } from '#contracts';
import type { CorrelationEngine } from '#correlation';
import type { MemoryEventLog } from '#kafka';
import { SecretRedactor } from '#kube';
import type { AlertSink } from '#correlator';
import { ScenarioReplaySource } from '#watcher';
import { formatReplayReport } from '../replay/replay-report.js';
import { toReplayCauses } from '../replay/replay.pipeline.js';

export interface DemoIncident {
  file: string;
  description: string;
  rankAt: Date;
  symptom: { namespace: string; kind: string; name: string };
}

/** The bundled demo recording (demo/ at the package root) and the question it asks. */
export async function loadDemoIncident(): Promise<DemoIncident> {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'demo', 'online-boutique-incident.query.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('the demo recording (demo/) is missing from this installation');
    dir = up;
  }
  const query = JSON.parse(
    await readFile(join(dir, 'demo', 'online-boutique-incident.query.json'), 'utf8'),
  ) as {
    description: string;
    rankAt: string;
    symptom: DemoIncident['symptom'];
  };
  return {
    file: join(dir, 'demo', 'online-boutique-incident.jsonl.gz'),
    description: query.description,
    rankAt: new Date(query.rankAt),
    symptom: query.symptom,
  };
}

/**
 * Plays the demo recording into the running all-in-one pipeline, the way the watcher and Alertmanager would
 * feed it, waits until the differ and correlator have consumed it, and returns the ranked-causes report. The
 * gRPC API then answers the same question with the same ranking.
 */
export async function playDemoIncident(args: {
  demo: DemoIncident;
  eventLog: MemoryEventLog;
  cluster: string;
  alerts: AlertSink;
  engine: CorrelationEngine;
  correlatorGroup: string;
  differGroup: string;
  correlatorTopics: readonly string[];
}): Promise<string> {
  const started = performance.now();
  const source = new ScenarioReplaySource(args.eventLog, {
    cluster: args.cluster,
    // The recording's Secrets are demo values; a per-process key keeps even their hashes from meaning anything.
    redactor: new SecretRedactor({ hmacKey: `demo-${process.pid}-${Date.now()}` }),
    until: args.demo.rankAt,
    onAlert: async (payload, receivedAt) => void (await args.alerts.accept(payload, new Date(receivedAt))),
  });
  const stats = await source.run(args.demo.file);
  const deadline = Date.now() + 60_000;
  while (
    !(await args.eventLog.drained(args.differGroup, [TOPICS.rawEvents.name])) ||
    !(await args.eventLog.drained(args.correlatorGroup, args.correlatorTopics))
  ) {
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const result = args.engine.rankCauses({
    at: args.demo.rankAt,
    symptom: { cluster: args.cluster, ...args.demo.symptom },
    top: 5,
  });
  const engineStats = args.engine.stats();
  return formatReplayReport({
    causes: toReplayCauses(result),
    verdict: result.verdict,
    reason: result.reason,
    rankAt: args.demo.rankAt.toISOString(),
    symptom: args.demo.symptom,
    anomalies: result.anomalies,
    stats: {
      ...stats,
      changes: engineStats.changes,
      anomalies: engineStats.anomalies,
      millis: Math.round(performance.now() - started),
    },
  });
}
