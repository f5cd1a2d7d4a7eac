import type { AnomalySignal, ChangeEvent, ObjectState } from '#contracts';
import {
  dependenciesOf,
  DependencyGraph,
  nodeId,
  parseNodeId,
  propagateFrom,
  TOP_WORKLOAD_KINDS,
  type GraphRef,
} from '#graph';
import type { WorkloadWindow } from '#metrics';
import { componentLogger } from '#observability';
import {
  metricProbes,
  metricWindows,
  templateChanged,
  type PlacedChange,
  type RolloutFacts,
} from '../evidence/metric-probes.js';
import { metricSymptoms, type MetricEvidence, type MetricSymptom } from '../evidence/metric-symptoms.js';
import { explain } from '../ranking/cause-explanation.js';
import { hasReportedEvidence, judge } from '../ranking/verdict.js';
import { rankCandidates } from '../ranking/cause-ranker.js';
import { anomalyNode, collectEvidence } from '../ranking/incident-evidence.js';
import { ReachCache, ReachIndex } from '../ranking/reach-index.js';
import type { Candidate } from '../ranking/candidate-changes.js';
import type { EvidenceGroup } from '../ranking/incident-evidence.js';
import { RevisionIndex } from '../revisions/revision-index.js';
import { ChangeStore } from './change-store.js';
import type {
  CorrelationEngine,
  DependencyGraphQuery,
  DependencyGraphView,
  RankQuery,
  RankResult,
  ResourceSelector,
  TimelineEntry,
  TimelineQuery,
} from '../correlation-queries.js';

export interface CausalityEngineOptions {
  /** Cluster assumed when a query names none. Default: the only cluster seen, else 'default'. */
  defaultCluster?: string;
  /** How far before the query time symptoms are taken as part of the incident. Default 60 min. */
  evidenceWindowMs?: number;
}

const HOUR = 3_600_000;
const log = componentLogger('ranking');

/** Signals that a Deployment's rollout does not progress: they belong to the revision being rolled out. */
const ROLLOUT_STALLED = /ProgressDeadlineExceeded|RolloutStuck|ReplicasMismatch/i;
/** The metrics of at most this many changes are looked at per query: the ones nearest the symptoms' time. */
const MAX_PROBED_CHANGES = 50;

/** Parses an objects-topic key (`cluster/group/Kind/namespace/name`, see objectKey) for tombstones. */
function refOfKey(key: string): GraphRef | undefined {
  const [cluster, , kind, ns, ...name] = key.split('/');
  if (!cluster || !kind || name.length === 0) return undefined;
  return { cluster, kind, namespace: ns === '_' ? null : ns, name: name.join('/') };
}

/** One query, resolved once for every step of a ranking. */
interface Investigation {
  query: RankQuery;
  at: number;
  top: number;
  symptomNode?: string;
  cluster?: string;
  candidates: Candidate[];
  groups: EvidenceGroup[];
  window: { from: Date; to: Date };
  unknownSymptom: boolean;
}

/**
 * The correlator's engine: the dependency graph of every cluster (from ObjectState), the changes and anomalies
 * on it, and the root-cause ranking over them (docs/ranking.md). Synchronous and deterministic: the same inputs
 * in any interleaving of topics give the same ranking, because the graph and the evidence are derived at query time.
 */
export class CausalityEngine implements CorrelationEngine {
  readonly graph = new DependencyGraph();
  private readonly changes = new ChangeStore();
  /** Anomalies in arrival order, with their times parsed once. */
  private anomalies: Array<{ signal: AnomalySignal; onset: number; observed: number }> = [];
  private readonly clusters = new Set<string>();
  /** Propagation from changed resources to symptoms, kept between queries until the graph changes. */
  private readonly reach = new ReachCache(this.graph);
  /** How many anomalies (in arrival order) have their node among the cache's nodes of interest, at which graph version. */
  private seeded = { version: -1, count: 0 };
  /** Origins still to warm (see warm), taken at the start of a warm-up pass. */
  private warming: string[] = [];
  /** Which pods belong to which rollout (revision-index.ts). */
  private readonly revisions = new RevisionIndex();
  /** The latest object time seen: a tombstone carries none. */
  private lastObjectTime = 0;
  /** The revision each template change made, once found (it does not change after). */
  private readonly revisionsMade = new Map<string, string | null>();
  /** The RevisionIndex version revisionsMade holds answers for (none found may be found once a ReplicaSet comes). */
  private revisionsVersion = -1;

  constructor(private readonly options: CausalityEngineOptions = {}) {}

  applyObject(key: string, state: ObjectState | null): void {
    if (state) {
      const { cluster, kind, namespace, name } = state.ref;
      this.clusters.add(cluster);
      this.graph.upsert({ cluster, kind, namespace, name }, state.object);
      const observed = Date.parse(state.observedAt);
      if (observed > this.lastObjectTime) this.lastObjectTime = observed;
      this.revisions.apply(state.ref, state.object, state.statusDigest, observed);
    } else {
      const ref = refOfKey(key);
      if (ref) {
        this.graph.remove(ref);
        this.revisions.remove(ref, this.lastObjectTime);
      }
    }
  }

  applyChange(change: ChangeEvent): void {
    this.clusters.add(change.ref.cluster);
    // The jsondiffpatch delta mirrors the object's structure: a tree of objects per change that ranking and the API
    // never read (they use the flat paths), which every major GC would mark again for each of hundreds of
    // thousands of changes. The changes topic keeps it.
    const { delta: _unread, ...kept } = change;
    this.changes.add(kept);
  }

  applyAnomaly(anomaly: AnomalySignal): void {
    this.clusters.add(anomaly.cluster);
    this.anomalies.push({
      signal: anomaly,
      onset: Date.parse(anomaly.onset),
      observed: Date.parse(anomaly.observedAt),
    });
  }

  private clusterOf(sel?: ResourceSelector): string {
    if (sel?.cluster) return sel.cluster;
    if (this.options.defaultCluster) return this.options.defaultCluster;
    return this.clusters.size === 1 ? [...this.clusters][0] : 'default';
  }

  /** The graph node a selector names: workloads by name whatever their exact kind, other kinds as given. */
  resolve(sel: ResourceSelector): string {
    const cluster = this.clusterOf(sel);
    const ns = sel.namespace || null;
    if (TOP_WORKLOAD_KINDS.includes(sel.kind) || sel.kind === 'Service') {
      const w = this.graph.resolveWorkload(cluster, ns, sel.name, sel.kind);
      if (w) return w;
    }
    return nodeId({ cluster, kind: sel.kind, namespace: ns, name: sel.name });
  }

  rankCauses(query: RankQuery, metrics?: MetricEvidence): RankResult {
    const q = this.investigation(query);
    let symptoms: MetricSymptom[] = [];
    if (metrics) {
      const probes = metricProbes(this.graph, this.probed(q), this.rollouts);
      symptoms = metricSymptoms(
        probes,
        metrics,
        {
          podsOf: (w, rs) => this.podsOf(w, rs),
          goneAt: (w, pod) => {
            const r = parseNodeId(w);
            return this.revisions.pod(r.cluster, r.namespace, pod)?.goneAt;
          },
        },
        q.at,
      );
      if (symptoms.length > 0)
        q.groups = this.evidence(
          q,
          symptoms.map((s) => s.signal),
        );
    }
    this.seedInterest();
    const ranking = rankCandidates({
      graph: this.graph,
      candidates: q.candidates,
      groups: q.groups,
      at: q.at,
      symptomNode: q.symptomNode,
      top: q.top,
      cache: this.reach,
      rollouts: this.rollouts,
    });
    const findings = new Map(symptoms.map((s) => [s.signal.anomalyId, s.finding]));
    // LOG_LEVEL=debug: what each group held and how the best candidates read it (for people tuning nothing).
    if (log.isLevelEnabled('debug'))
      log.debug(
        {
          groups: q.groups.map((g) => ({
            node: g.node,
            nature: g.nature,
            relevance: g.relevance,
            weight: g.weight,
            anomalies: g.anomalies.map(
              (a) => `${a.signal.reason}@${a.signal.onset}/${a.weight}/${a.replicaSet ?? '-'}`,
            ),
          })),
          candidates: ranking.top.map((s) => ({
            change: `${s.candidate.change.ref.kind}/${s.candidate.change.ref.name}@${s.candidate.change.changedAt}`,
            revision: this.rollouts.revisionOf(s.candidate),
            score: s.score,
            prior: s.prior,
            explained: s.explained,
            competition: s.competition,
            groups: s.explanations
              .filter((e) => e.strength > 0)
              .map((e) => `${e.group.node}/${e.group.nature}:${e.strength}`),
          })),
        },
        'ranking',
      );
    const reported = hasReportedEvidence(q.groups);
    const causes = ranking.top.map((s) => ({
      change: s.candidate.change,
      ...explain(s, ranking.total, findings, reported),
    }));
    const { verdict, reason } = judge({
      groups: q.groups,
      causes,
      candidates: q.candidates.length,
      symptomNode: q.symptomNode,
      unknownSymptom: q.unknownSymptom,
      window: q.window,
    });
    const anomalies = q.groups
      .filter((g) => g.relevance >= 0.3)
      .flatMap((g) => g.anomalies.map((a) => a.signal))
      .sort((a, b) => (a.onset < b.onset ? -1 : a.onset > b.onset ? 1 : a.anomalyId < b.anomalyId ? -1 : 1));
    return {
      at: query.at,
      verdict,
      reason,
      window: q.window,
      ...(q.unknownSymptom ? { unknownSymptom: true } : {}),
      causes,
      anomalies,
      ...(metrics
        ? {
            metrics: {
              source: metrics.source,
              workloads: metrics.signals.size,
              failures: [...metrics.failures],
            },
          }
        : {}),
    };
  }

  /**
   * Which workloads' golden signals a ranking of this query would read: those acted on by the changes nearest the
   * symptoms (at most MAX_PROBED_CHANGES of the changes that reach any symptom), over their windows.
   */
  metricNeeds(query: RankQuery): WorkloadWindow[] {
    const q = this.investigation(query);
    return metricWindows(metricProbes(this.graph, this.probed(q), this.rollouts), q.at);
  }

  /** The query resolved: its time, symptom, candidates and the evidence of the incident (without metrics). */
  private investigation(query: RankQuery): Investigation {
    const at = query.at.getTime();
    const top = query.top ?? 5;
    const symptomNode = query.symptom ? this.resolve(query.symptom) : undefined;
    const cluster = query.symptom ? parseNodeId(symptomNode!).cluster : undefined;
    const lookback = query.lookbackMs ?? 2 * HOUR;
    let from = at - lookback;
    let candidates = this.changes.candidates(from, at, cluster);
    // Only when asked: the replay contract wants at least `top` causes even when the last hours were quiet.
    if (query.widenLookback && candidates.length < top) {
      candidates = this.changes.candidates(-Infinity, at, cluster);
      if (candidates.length > 0) from = Math.min(from, ...candidates.map((c) => c.time));
    }
    const unknownSymptom = symptomNode !== undefined && !this.known(symptomNode);
    const q: Investigation = {
      at,
      top,
      symptomNode,
      cluster,
      candidates,
      query,
      groups: [],
      window: { from: new Date(from), to: new Date(at) },
      unknownSymptom,
    };
    q.groups = this.evidence(q, []);
    return q;
  }

  private evidence(q: Investigation, extra: readonly AnomalySignal[]): EvidenceGroup[] {
    const windowMs = this.options.evidenceWindowMs ?? HOUR;
    const at = q.at;
    // The same test collectEvidence applies, on times parsed once: it then only sees the incident's window.
    const recent = this.anomalies
      .filter((a) => !(a.observed > at || a.onset > at || a.onset < at - windowMs))
      .map((a) => a.signal);
    return collectEvidence(this.graph, [...recent, ...extra], {
      at,
      windowMs,
      symptomNode: q.symptomNode,
      anomalyIds: q.query.anomalyIds ? new Set(q.query.anomalyIds) : undefined,
      rollouts: (node) => this.changes.rolloutTimes(node, at, q.cluster),
      replicaSetOf: (a) => this.replicaSetOf(a),
      podReadyAt: (a) => {
        if (a.subject.kind !== 'Pod') return undefined;
        const ns = a.subject.namespace ?? a.workload?.namespace ?? null;
        return this.revisions.pod(a.subject.cluster ?? a.cluster, ns, a.subject.name)?.firstReadyAt;
      },
    });
  }

  /** The changes whose metrics are looked at: those that reach a symptom, newest first, at most MAX_PROBED_CHANGES. */
  private probed(q: Investigation): Candidate[] {
    this.seedInterest();
    const reach = new ReachIndex(this.graph, q.groups, this.reach);
    return q.candidates
      .filter((c) => reach.groupsFrom(c).length > 0)
      .sort((a, b) => b.time - a.time || (a.change.changeId < b.change.changeId ? -1 : 1))
      .slice(0, MAX_PROBED_CHANGES);
  }

  knowsResource(sel: ResourceSelector): boolean {
    return this.known(this.resolve(sel));
  }

  knowsNamespace(namespace: string, cluster?: string): boolean {
    return this.graph.hasNamespace(
      this.clusterOf({ kind: 'Namespace', name: namespace, cluster }),
      namespace,
    );
  }

  /** A resource the cluster has (had) or some signal named: anything else is an unknown symptom. */
  private known(node: string): boolean {
    if (this.graph.has(node)) return true;
    return this.anomalies.some((a) => anomalyNode(this.graph, a.signal) === node);
  }

  /** What the ranking and the metric probes read of rollouts (RevisionIndex, ChangeStore). */
  private readonly rollouts: RolloutFacts = {
    revisionOf: (c: PlacedChange) => {
      if (!TOP_WORKLOAD_KINDS.includes(c.change.ref.kind) || !templateChanged(c)) return undefined;
      if (this.revisionsVersion !== this.revisions.version) {
        // Found revisions stay found; the ones not found are looked up again.
        for (const [id, rs] of this.revisionsMade) if (rs === null) this.revisionsMade.delete(id);
        this.revisionsVersion = this.revisions.version;
      }
      const known = this.revisionsMade.get(c.change.changeId);
      if (known !== undefined) return known ?? undefined;
      const { cluster, namespace, name } = c.change.ref;
      const next = this.changes
        .changesAfter(c.origin, c.time)
        .find((n) => templateChanged({ change: n, origin: c.origin, time: Date.parse(n.changedAt) }));
      const rs = this.revisions.revisionAfter(
        cluster,
        namespace,
        name,
        c.time,
        next ? Date.parse(next.changedAt) : Infinity,
      );
      this.revisionsMade.set(c.change.changeId, rs?.name ?? null);
      return rs?.name;
    },
    restartsOf: (node: string) => {
      const r = parseNodeId(node);
      return this.revisions.activations(r.cluster, r.namespace, r.name);
    },
  };

  private podsOf(workloadNode: string, replicaSet: string): Array<{ name: string; readyAt?: number }> {
    const r = parseNodeId(workloadNode);
    return this.revisions
      .podsOf(r.cluster, r.namespace, replicaSet)
      .map((p) => ({ name: p.name, readyAt: p.readyAt }));
  }

  /**
   * The ReplicaSet of the pods a signal is about: a pod's owner, the revision a metric finding names, or, for a
   * Deployment whose rollout does not progress (a deadline exceeded, a rollout stuck), the revision it was rolling
   * out when that began: the old pods are the ones still serving.
   */
  private replicaSetOf(a: AnomalySignal): string | undefined {
    if (a.source === 'metrics') return a.labels?.replicaSet;
    const cluster = a.subject.cluster ?? a.cluster;
    const ns = a.subject.namespace ?? a.workload?.namespace ?? null;
    if (a.subject.kind === 'Pod') return this.revisions.replicaSetOf(cluster, ns, a.subject.name);
    const deployment =
      a.subject.kind === 'Deployment'
        ? a.subject.name
        : a.workload?.kind === 'Deployment'
          ? a.workload.name
          : undefined;
    if (deployment && ROLLOUT_STALLED.test(a.reason))
      return this.revisions.currentAt(cluster, ns, deployment, Date.parse(a.onset))?.name;
    return undefined;
  }

  /**
   * Every anomaly's resource becomes a node of interest of the propagation cache at once, so that searches are
   * invalidated once per graph change rather than whenever a query brings a symptom not seen before.
   */
  private seedInterest(): void {
    const version = this.graph.version;
    if (version !== this.seeded.version) this.seeded = { version, count: 0 };
    if (this.seeded.count >= this.anomalies.length) return;
    const fresh = this.anomalies.slice(this.seeded.count);
    this.reach.include(fresh.map((a) => anomalyNode(this.graph, a.signal)));
    this.seeded.count = this.anomalies.length;
  }

  /**
   * Computes ahead of queries what each changed resource's fault reaches among the symptoms, for at most
   * `budgetMs`; true when nothing is left. Queries compute the same lazily and keep it until the graph changes,
   * so after a start (the graph rebuilt from Kafka) or a burst of changes the first investigations would pay for
   * thousands of searches: hundreds of milliseconds each. Called in small slices while the correlator is idle.
   */
  warm(budgetMs = Infinity): boolean {
    const end = performance.now() + budgetMs;
    if (this.warming.length === 0) {
      this.seedInterest();
      const origins = new Set<string>();
      for (const c of this.changes.candidates(-Infinity, Infinity, undefined)) origins.add(c.origin);
      this.warming = [...origins];
    }
    while (this.warming.length > 0) {
      this.reach.from(this.warming.pop()!);
      if (performance.now() >= end) break;
    }
    return this.warming.length === 0;
  }

  timeline(query: TimelineQuery): TimelineEntry[] {
    const from = query.from.getTime();
    const to = query.to.getTime();
    const root = this.resolve(query.resource);
    const related = new Set<string>([root]);
    if (query.includeDependencies) for (const id of dependenciesOf(this.graph, root).keys()) related.add(id);
    const entries: TimelineEntry[] = [];
    for (const change of this.changes.between(from, to)) {
      const id = nodeId({ ...change.ref });
      if (related.has(id) || related.has(this.graph.ownerWorkload(id)))
        entries.push({ at: change.changedAt, change });
    }
    for (const { signal: anomaly, onset: t } of this.anomalies) {
      if (t < from || t > to) continue;
      if (related.has(anomalyNode(this.graph, anomaly))) entries.push({ at: anomaly.onset, anomaly });
    }
    return entries.sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  }

  dependencyGraph(query: DependencyGraphQuery): DependencyGraphView {
    const g = this.graph.graph;
    let nodes: string[];
    if (query.root) {
      const root = this.resolve({ cluster: query.cluster, ...query.root });
      const depth = query.depth ?? 3;
      const down = [...dependenciesOf(this.graph, root).keys()];
      const up = [...propagateFrom(this.graph, root).any.entries()]
        .filter(([, r]) => r.path.length <= depth)
        .map(([id]) => id);
      nodes = [...new Set([root, ...down, ...up])];
    } else {
      nodes = g.nodes();
    }
    const keep = new Set(
      nodes.filter((id) => {
        const r = g.hasNode(id) ? g.getNodeAttribute(id, 'ref') : parseNodeId(id);
        return (
          (!query.cluster || r.cluster === query.cluster) &&
          (!query.namespace || r.namespace === query.namespace)
        );
      }),
    );
    const view: DependencyGraphView = { nodes: [], edges: [] };
    for (const id of [...keep].sort()) {
      const r = parseNodeId(id);
      view.nodes.push({
        id,
        resource: { cluster: r.cluster, kind: r.kind, namespace: r.namespace ?? undefined, name: r.name },
      });
    }
    // Edges among the kept nodes: their out-edges, not a pass over the whole graph.
    for (const id of keep) {
      if (!g.hasNode(id)) continue;
      g.forEachOutEdge(id, (_e, attrs, source, target) => {
        if (keep.has(target))
          view.edges.push({
            from: source,
            to: target,
            relation: attrs.relation,
            attributes: { weight: attrs.weight },
          });
      });
    }
    view.edges.sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
    return view;
  }

  evictBefore(time: Date): void {
    const iso = time.toISOString();
    this.changes.evictBefore(iso);
    this.revisions.evictBefore(time.getTime());
    this.seeded = { version: -1, count: 0 };
    this.anomalies = this.anomalies.filter((a) => a.signal.onset >= iso || a.signal.observedAt >= iso);
  }

  stats(): { resources: number; edges: number; changes: number; anomalies: number } {
    return { ...this.graph.stats(), changes: this.changes.size, anomalies: this.anomalies.length };
  }
}
