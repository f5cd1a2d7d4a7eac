/**
 * One incident drill on a live cluster: on an application that was running before Incident Assistant started
 * (deployed by prepareDrill, so that the watcher's first list finds it, as on a production cluster where the
 * application's creation is long past), make a few routine changes, then one faulty change; wait for its symptom
 * (KWOK's pod status, or the alert an alert rule would fire), and ask RankCauses for the front end until the
 * faulty change ranks first or time is up.
 */
import { rankCausesClient } from '../lib/rank-causes-client.js';
import { deployApplication, loadApplication, waitSettled } from './application.js';
import type { ChangeFeed } from './change-feed.js';
import { until } from './change-feed.js';
import { faultNamed, type CauseRef } from './faults.js';
import type { LiveCluster } from './live-cluster.js';
import { routineChangeNamed } from './noise.js';

export interface DrillPlan {
  fault: string;
  /** The Deployment the fault breaks. */
  target: string;
  /** Routine changes before the fault: [routine change, Deployment]. */
  noise: Array<[string, string]>;
}

export interface DrillContext {
  cluster: LiveCluster;
  feed: ChangeFeed;
  grpcPort: number;
  correlatorHttpPort: number;
  log: (line: string) => void;
  /** Time between two routine changes (default 3 s). */
  noiseGapMs?: number;
  /** How long an alert rule takes to fire once the fault is visible (default 10 s). */
  alertDelayMs?: number;
  /** How long to wait for the faulty change to rank first (default 120 s). */
  detectTimeoutMs?: number;
}

export interface RankedCause {
  resource: { kind: string; namespace: string; name: string };
  changedAt?: { seconds: string; nanos: number };
  score: number;
  explanation?: string;
  change?: { summary?: string; actor?: { manager?: string } };
}

export interface DrillResult {
  fault: string;
  target: string;
  namespace: string;
  /** Rank of the faulty change in the last answer (1 = first), null when it was not among the top 5. */
  rank: number | null;
  /** Seconds from the faulty change until an answer ranked it first, null if none did. */
  detectS: number | null;
  /** Seconds from the faulty change until its symptom showed in the cluster. */
  symptomS: number | null;
  /** The last answer's causes, as `Kind/name`. */
  top: string[];
  /** Change events the pipeline published for this namespace, by actor manager. */
  changesByActor: Record<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function timestampMs(t: RankedCause['changedAt']): number {
  return t ? Number(t.seconds) * 1000 + Math.floor(t.nanos / 1e6) : 0;
}

/** Deploys the application a drill runs on into its namespace and waits until it is settled. */
export async function prepareDrill(cluster: LiveCluster, namespace: string): Promise<void> {
  deployApplication(cluster, namespace, loadApplication());
  await waitSettled(cluster, namespace, 180_000);
}

/**
 * Resolves once the pipeline is live: a ConfigMap created now comes out of ia.changes.v1 (the watcher's first
 * list and the differ's backlog are behind it), plus a moment for the correlator to read the objects.
 */
export async function waitPipelineLive(
  cluster: LiveCluster,
  feed: ChangeFeed,
  namespace: string,
): Promise<void> {
  const name = `ia-drill-sentinel-${Date.now().toString(36)}`;
  cluster.kubectl(['-n', namespace, 'create', 'configmap', name, '--from-literal=drill=sentinel']);
  await until(
    `the creation of ${namespace}/${name} on ia.changes.v1`,
    () => feed.changesIn(namespace).some((c) => c.ref.name === name && c.operation === 'create'),
    180_000,
  );
  await sleep(3_000);
}

async function postAlerts(port: number, alerts: unknown[]): Promise<void> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/alertmanager`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ version: '4', status: 'firing', receiver: 'incident-assistant', alerts }),
  });
  if (!res.ok) throw new Error(`alertmanager webhook answered ${res.status}: ${await res.text()}`);
}

export async function runDrill(ctx: DrillContext, plan: DrillPlan, namespace: string): Promise<DrillResult> {
  const { cluster, feed, log } = ctx;
  const fault = faultNamed(plan.fault);
  for (const [routine, deployment] of plan.noise) {
    const ref = routineChangeNamed(routine).run(cluster, namespace, deployment);
    log(`[${namespace}] routine change: ${routine} (${ref.kind}/${ref.name})`);
    await sleep(ctx.noiseGapMs ?? 3_000);
  }
  await waitSettled(cluster, namespace, 180_000);

  log(`[${namespace}] faulty change: ${fault.describe(plan.target)}`);
  const t0 = Date.now();
  const cause: CauseRef = fault.inject(cluster, namespace, plan.target);
  const client = rankCausesClient(ctx.grpcPort);
  const deadline = t0 + (ctx.detectTimeoutMs ?? 120_000);
  let visibleAt: number | undefined;
  let alertsAt: number | undefined;
  let firstRankedAt: number | undefined;
  let rank: number | null;
  let top: string[];
  let last: RankedCause[];
  try {
    for (;;) {
      const now = Date.now();
      if (visibleAt === undefined && fault.visible(cluster, namespace, plan.target)) {
        visibleAt = now;
        log(`[${namespace}] symptom visible after ${((now - t0) / 1000).toFixed(1)} s`);
      }
      if (
        visibleAt !== undefined &&
        fault.alerts &&
        alertsAt === undefined &&
        now - visibleAt >= (ctx.alertDelayMs ?? 10_000)
      ) {
        await postAlerts(ctx.correlatorHttpPort, fault.alerts(namespace, plan.target));
        alertsAt = now;
        log(`[${namespace}] alert rule fired: HighErrorRate on frontend`);
      }
      const res = (await client.rankCauses(
        {
          at: { seconds: String(Math.floor(now / 1000)), nanos: (now % 1000) * 1e6 },
          symptom: { group: 'apps', kind: 'Deployment', namespace, name: 'frontend' },
          top: 5,
        },
        { deadline: Date.now() + 30_000 },
      )) as { causes: RankedCause[] };
      last = res.causes;
      top = res.causes.map((c) => `${c.resource.kind}/${c.resource.name}`);
      const i = res.causes.findIndex(
        (c) =>
          c.resource.kind === cause.kind &&
          c.resource.name === cause.name &&
          c.resource.namespace === namespace &&
          timestampMs(c.changedAt) >= t0 - 2_000,
      );
      rank = i >= 0 ? i + 1 : null;
      const symptomsIn = visibleAt !== undefined && (!fault.alerts || alertsAt !== undefined);
      if (rank === 1 && symptomsIn && firstRankedAt === undefined) firstRankedAt = Date.now();
      // Once first with its symptoms in, one more answer a few seconds later confirms it.
      if (firstRankedAt !== undefined && Date.now() - firstRankedAt >= 4_000) break;
      if (Date.now() > deadline) break;
      await sleep(2_000);
    }
  } finally {
    client.close();
  }
  if (rank !== 1)
    for (const [i, c] of last.entries())
      log(
        `  ${i + 1}. ${c.resource.kind}/${c.resource.name} score ${c.score.toFixed(3)} by ${c.change?.actor?.manager ?? '?'}` +
          ` at ${new Date(timestampMs(c.changedAt)).toISOString()}: ${(c.explanation ?? '').slice(0, 400)}`,
      );
  const changesByActor: Record<string, number> = {};
  for (const c of feed.changesIn(namespace))
    changesByActor[c.actor.manager] = (changesByActor[c.actor.manager] ?? 0) + 1;
  const result: DrillResult = {
    fault: plan.fault,
    target: plan.target,
    namespace,
    rank,
    detectS: firstRankedAt !== undefined ? Math.round((firstRankedAt - t0) / 100) / 10 : null,
    symptomS: visibleAt !== undefined ? Math.round((visibleAt - t0) / 100) / 10 : null,
    top,
    changesByActor,
  };
  log(
    `[${namespace}] ${plan.fault} on ${plan.target}: rank ${result.rank ?? '-'}, detected in ${result.detectS ?? '-'} s; top: ${top.join(', ')}`,
  );
  return result;
}

/**
 * Counts change events in a quiet period: nobody changes anything, so each one is spurious (a controller's,
 * a kubelet's status, a lease, an EndpointSlice that the differ should have left out). Starts once the pipeline
 * has been silent for 5 s (or after 30 s), so that the tail of earlier changes is not counted.
 */
export async function measureQuiet(feed: ChangeFeed, quietMs: number, log: (line: string) => void) {
  const drainDeadline = Date.now() + 30_000;
  for (;;) {
    const last = feed.changes.at(-1)?.receivedAt ?? 0;
    if (Date.now() - last >= 5_000 || Date.now() > drainDeadline) break;
    await sleep(500);
  }
  const from = Date.now();
  log(`quiet period: ${Math.round(quietMs / 1000)} s without changes`);
  await sleep(quietMs);
  const to = Date.now();
  const spurious = feed.receivedBetween(from, to);
  for (const c of spurious)
    log(
      `  spurious: ${c.operation} ${c.ref.kind} ${c.ref.namespace ?? ''}/${c.ref.name} by ${c.actor.manager}: ${c.summary}`,
    );
  return { spurious, seconds: (to - from) / 1000, perHour: (spurious.length * 3600_000) / (to - from) };
}
