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
import { explain } from '../ranking/cause-explanation.js';
import { rankCandidates } from '../ranking/cause-ranker.js';
import { anomalyNode, collectEvidence } from '../ranking/incident-evidence.js';
import { ReachCache } from '../ranking/reach-index.js';
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

/** Parses an objects-topic key (`cluster/group/Kind/namespace/name`, see objectKey) for tombstones. */
function refOfKey(key: string): GraphRef | undefined {
  const [cluster, , kind, ns, ...name] = key.split('/');
  if (!cluster || !kind || name.length === 0) return undefined;
  return { cluster, kind, namespace: ns === '_' ? null : ns, name: name.join('/') };
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

  constructor(private readonly options: CausalityEngineOptions = {}) {}

  applyObject(key: string, state: ObjectState | null): void {
    if (state) {
      const { cluster, kind, namespace, name } = state.ref;
      this.clusters.add(cluster);
      this.graph.upsert({ cluster, kind, namespace, name }, state.object);
    } else {
      const ref = refOfKey(key);
      if (ref) this.graph.remove(ref);
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

  rankCauses(query: RankQuery): RankResult {
    const at = query.at.getTime();
    const top = query.top ?? 5;
    const symptomNode = query.symptom ? this.resolve(query.symptom) : undefined;
    const cluster = query.symptom ? parseNodeId(symptomNode!).cluster : undefined;
    const lookback = query.lookbackMs ?? 2 * HOUR;
    let candidates = this.changes.candidates(at - lookback, at, cluster);
    // The contract asks for at least `top` causes: widen the window when the last hours were quiet.
    if (candidates.length < top) candidates = this.changes.candidates(-Infinity, at, cluster);

    const windowMs = this.options.evidenceWindowMs ?? HOUR;
    // The same test collectEvidence applies, on times parsed once: it then only sees the incident's window.
    const recent = this.anomalies
      .filter((a) => !(a.observed > at || a.onset > at || a.onset < at - windowMs))
      .map((a) => a.signal);
    const groups = collectEvidence(this.graph, recent, {
      at,
      windowMs,
      symptomNode,
      anomalyIds: query.anomalyIds ? new Set(query.anomalyIds) : undefined,
      rollouts: (node) => this.changes.rolloutTimes(node, at, cluster),
    });
    this.seedInterest();
    const ranking = rankCandidates({
      graph: this.graph,
      candidates,
      groups,
      at,
      symptomNode,
      top,
      cache: this.reach,
    });
    const causes = ranking.top.map((s) => ({ change: s.candidate.change, ...explain(s, ranking.total) }));
    const anomalies = groups
      .filter((g) => g.relevance >= 0.3)
      .flatMap((g) => g.anomalies.map((a) => a.signal))
      .sort((a, b) => (a.onset < b.onset ? -1 : a.onset > b.onset ? 1 : a.anomalyId < b.anomalyId ? -1 : 1));
    return { at: query.at, causes, anomalies };
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
    this.seeded = { version: -1, count: 0 };
    this.anomalies = this.anomalies.filter((a) => a.signal.onset >= iso || a.signal.observedAt >= iso);
  }

  stats(): { resources: number; edges: number; changes: number; anomalies: number } {
    return { ...this.graph.stats(), changes: this.changes.size, anomalies: this.anomalies.length };
  }
}
