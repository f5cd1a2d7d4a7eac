import type { AnomalySignal } from '#contracts';
import { dependenciesOf, nodeId, type DependencyGraph } from '#graph';
import { evidenceWeight, natureOf, type AnomalyNature } from './anomaly-nature.js';

export interface EvidenceAnomaly {
  signal: AnomalySignal;
  onset: number;
  weight: number;
  /** When a resolved notification for it arrived (or its endsAt), if one did. */
  resolvedAt?: number;
  /**
   * The ReplicaSet (revision) of the pods it is about, when it is about pods: their symptoms belong to the change
   * that made that revision, not to other changes of the same workload.
   */
  replicaSet?: string;
}

/** The symptoms of one resource, of one nature: the unit a change explains or not. */
export interface EvidenceGroup {
  node: string;
  nature: AnomalyNature;
  anomalies: EvidenceAnomaly[];
  /** How much this group belongs to the incident under investigation, in [0, 1]. */
  relevance: number;
  /** Strongest signal of the group. */
  weight: number;
  /** A stand-in for a symptom the query names but no signal reports; its onset is unknown (the query time). */
  virtual?: boolean;
}

export interface EvidenceQuery {
  at: number;
  windowMs: number;
  symptomNode?: string;
  anomalyIds?: ReadonlySet<string>;
  /** When a resource's spec changed (up to the query time), to recognise the unavailability every rollout causes. */
  rollouts?: (node: string) => readonly number[];
  /** The ReplicaSet of the pods a signal is about, if it is about pods (RevisionIndex through the engine). */
  replicaSetOf?: (signal: AnomalySignal) => string | undefined;
  /** When the pod a signal is about first became ready, if it is about a pod that did (RevisionIndex). */
  podReadyAt?: (signal: AnomalySignal) => number | undefined;
}

/** Symptoms resolved faster than this are transient. */
const TRANSIENT_MS = 3 * 60_000;
/** Unavailability this soon after the workload's own spec change is the rollout itself. */
const ROLLOUT_ONSET_MS = 15_000;
const LAG_SLACK_MS = 2_000;
const ROLLOUT_REASONS = new Set(['DeploymentUnavailable', 'UnavailableReplicas', 'NotReady']);

const POD_OF_DEPLOYMENT = /^(.+)-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

/** The graph node a signal is about: its workload where there is one (pods, alerts naming a service), else its subject. */
export function anomalyNode(graph: DependencyGraph, a: AnomalySignal): string {
  const cluster = a.subject.cluster ?? a.cluster;
  const ns = a.subject.namespace ?? a.workload?.namespace ?? null;
  const subject = nodeId({
    cluster,
    kind: a.subject.kind,
    namespace: a.subject.kind === 'Node' ? null : ns,
    name: a.subject.name,
  });
  // A pod names its workload more precisely than an alert's `service` label, which may name a Service in front of
  // several Deployments (Bookinfo's `ratings` serves ratings-v1 and ratings-v2-mysql).
  if (a.subject.kind === 'Pod') {
    if (graph.has(subject)) return graph.ownerWorkload(subject);
    const owner = POD_OF_DEPLOYMENT.exec(a.subject.name)?.[1];
    const w = owner ? graph.resolveWorkload(cluster, ns, owner) : undefined;
    if (w) return w;
  }
  if (a.workload) {
    const w = graph.resolveWorkload(
      a.workload.cluster ?? cluster,
      a.workload.namespace ?? ns,
      a.workload.name,
      a.workload.kind,
    );
    if (w) return w;
  }
  if (a.subject.kind === 'Service' || a.subject.kind === 'Alert') {
    const w = graph.resolveWorkload(cluster, ns, a.subject.name);
    if (w) return w;
  }
  return subject;
}

/**
 * The incident's evidence: recent signals (onset within the window before the query time, already observed),
 * grouped per resource and nature, each group weighed by how much it concerns the symptom. With a symptom, the
 * groups on it and on what it depends on count fully; in a namespace whose call graph the manifests do not
 * reveal, every group of the namespace may be on the path and counts by that namespace's openness.
 */
export function collectEvidence(
  graph: DependencyGraph,
  signals: readonly AnomalySignal[],
  q: EvidenceQuery,
): EvidenceGroup[] {
  const firing = new Map<string, EvidenceAnomaly>();
  const resolutions: AnomalySignal[] = [];
  for (const a of signals) {
    const onset = Date.parse(a.onset);
    if (Date.parse(a.observedAt) > q.at || onset > q.at || onset < q.at - q.windowMs) continue;
    if (a.status === 'resolved') resolutions.push(a);
    else {
      const replicaSet = q.replicaSetOf?.(a);
      firing.set(a.anomalyId, {
        signal: a,
        onset,
        weight: evidenceWeight(a),
        ...(replicaSet ? { replicaSet } : {}),
      });
    }
  }
  // A resolution closes the firing signal of the same source, reason and subject that started before it (the
  // differ's resolution carries the recovery time as its onset; an alert's carries the same startsAt and endsAt).
  const sameSeries = (a: AnomalySignal, b: AnomalySignal) =>
    a.source === b.source &&
    a.reason === b.reason &&
    a.subject.kind === b.subject.kind &&
    a.subject.name === b.subject.name;
  for (const r of resolutions.sort((a, b) => (a.onset < b.onset ? -1 : 1))) {
    const ended = Date.parse(r.labels?.endsAt ?? (r.source === 'alertmanager' ? r.observedAt : r.onset));
    for (const f of firing.values()) {
      if (
        sameSeries(f.signal, r) &&
        f.onset <= ended &&
        (f.resolvedAt === undefined || f.resolvedAt < f.onset)
      )
        f.resolvedAt = ended;
    }
  }
  // Symptoms that cleared by themselves within minutes are what every rollout produces (a single replica is
  // briefly unavailable while its successor starts); so are unavailability signals that start with a rollout of
  // the same workload and are not yet minutes old. They count for little.
  for (const f of firing.values()) {
    const lasted = (f.resolvedAt ?? q.at) - f.onset;
    if (f.resolvedAt !== undefined && lasted < TRANSIENT_MS) f.weight *= 0.1;
    else if (f.resolvedAt === undefined && lasted < TRANSIENT_MS && ROLLOUT_REASONS.has(f.signal.reason)) {
      const times = q.rollouts?.(anomalyNode(graph, f.signal)) ?? [];
      if (times.some((t) => f.onset >= t - LAG_SLACK_MS && f.onset - t <= ROLLOUT_ONSET_MS)) f.weight *= 0.1;
    } else if (startingUp(f.signal, q.podReadyAt?.(f.signal))) f.weight *= 0.1;
  }

  const groups = new Map<string, EvidenceGroup>();
  for (const e of [...firing.values()].sort(
    (a, b) => a.onset - b.onset || (a.signal.anomalyId < b.signal.anomalyId ? -1 : 1),
  )) {
    const node = anomalyNode(graph, e.signal);
    const nature = natureOf(e.signal);
    const key = `${nature}|${node}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { node, nature, anomalies: [], relevance: 1, weight: 0 }));
    g.anomalies.push(e);
    g.weight = Math.max(g.weight, e.weight);
  }

  const out = [...groups.values()];
  if (q.symptomNode) {
    const cone = dependenciesOf(graph, q.symptomNode);
    const symptomNs = nsOf(q.symptomNode);
    for (const g of out) {
      if (q.anomalyIds?.size && g.anomalies.some((a) => q.anomalyIds!.has(a.signal.anomalyId)))
        g.relevance = 1;
      else if (g.node === q.symptomNode || cone.has(g.node)) g.relevance = 1;
      else if (nsOf(g.node) === symptomNs)
        g.relevance = Math.max(0.3, graph.namespaceOpenness(clusterOf(g.node), symptomNs));
      else g.relevance = 0.05;
    }
    if (!out.some((g) => g.node === q.symptomNode)) {
      out.push({
        node: q.symptomNode,
        nature: 'propagating',
        anomalies: [],
        relevance: 1,
        weight: 0.5,
        virtual: true,
      });
    }
  } else if (q.anomalyIds?.size) {
    for (const g of out)
      g.relevance = g.anomalies.some((a) => q.anomalyIds!.has(a.signal.anomalyId)) ? 1 : 0.1;
  }
  return out;
}

/**
 * A readiness probe failing before the pod first became ready, when it then did: the pod starting (a slow JVM,
 * a cache warming), which its probe's initial delay did not cover. Routine, like a rollout's brief unavailability.
 */
function startingUp(a: AnomalySignal, readyAt: number | undefined): boolean {
  if (readyAt === undefined || a.subject.kind !== 'Pod') return false;
  const readiness = a.reason === 'Unhealthy' ? /readiness/i.test(a.message ?? '') : a.reason === 'NotReady';
  return readiness && Date.parse(a.onset) <= readyAt + LAG_SLACK_MS;
}

function nsOf(id: string): string | null {
  const ns = id.split('/')[2];
  return ns === '_' ? null : ns;
}

function clusterOf(id: string): string {
  return id.split('/')[0];
}
