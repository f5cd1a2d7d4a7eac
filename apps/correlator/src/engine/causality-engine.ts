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
import { toCandidate, type Candidate } from '../ranking/candidate-changes.js';
import { explain } from '../ranking/cause-explanation.js';
import { scoreCandidates } from '../ranking/cause-ranker.js';
import { anomalyNode, collectEvidence } from '../ranking/incident-evidence.js';
import type {
  CorrelationEngine,
  DependencyGraphQuery,
  DependencyGraphView,
  RankQuery,
  RankResult,
  ResourceSelector,
  TimelineEntry,
  TimelineQuery,
} from './correlation-queries.js';

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
  private readonly changes: ChangeEvent[] = [];
  private readonly anomalies: AnomalySignal[] = [];
  private readonly clusters = new Set<string>();
  private sorted = true;

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
    const last = this.changes.at(-1);
    if (last && last.changedAt > change.changedAt) this.sorted = false;
    this.changes.push(change);
  }

  applyAnomaly(anomaly: AnomalySignal): void {
    this.clusters.add(anomaly.cluster);
    this.anomalies.push(anomaly);
  }

  private sortedChanges(): ChangeEvent[] {
    if (!this.sorted) {
      this.changes.sort((a, b) =>
        a.changedAt < b.changedAt ? -1 : a.changedAt > b.changedAt ? 1 : a.changeId < b.changeId ? -1 : 1,
      );
      this.sorted = true;
    }
    return this.changes;
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
    const eligible = this.sortedChanges().filter(
      (c) => Date.parse(c.changedAt) <= at && (!cluster || c.ref.cluster === cluster),
    );
    const pick = (from: number) =>
      eligible
        .filter((c) => Date.parse(c.changedAt) >= from)
        .map(toCandidate)
        .filter((c): c is Candidate => c !== undefined);
    let candidates = pick(at - lookback);
    // The contract asks for at least `top` causes: widen the window when the last hours were quiet.
    if (candidates.length < top) candidates = pick(-Infinity);

    const groups = collectEvidence(this.graph, this.anomalies, {
      at,
      windowMs: this.options.evidenceWindowMs ?? HOUR,
      symptomNode,
      anomalyIds: query.anomalyIds ? new Set(query.anomalyIds) : undefined,
      rollouts: this.rollouts(eligible),
    });
    const scored = scoreCandidates(this.graph, candidates, groups, at, symptomNode);
    scored.sort(
      (a, b) =>
        b.score - a.score ||
        b.candidate.time - a.candidate.time ||
        (a.candidate.change.changeId < b.candidate.change.changeId ? -1 : 1),
    );
    const total = scored.reduce((s, c) => s + c.score, 0);
    const causes = scored.slice(0, top).map((s) => ({ change: s.candidate.change, ...explain(s, total) }));
    const anomalies = groups
      .filter((g) => g.relevance >= 0.3)
      .flatMap((g) => g.anomalies.map((a) => a.signal))
      .sort((a, b) => (a.onset < b.onset ? -1 : a.onset > b.onset ? 1 : a.anomalyId < b.anomalyId ? -1 : 1));
    return { at: query.at, causes, anomalies };
  }

  /** Spec change times per workload node (rollouts), to tell rollout noise from symptoms. */
  private rollouts(changes: readonly ChangeEvent[]): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const c of changes) {
      if (!TOP_WORKLOAD_KINDS.includes(c.ref.kind)) continue;
      const id = nodeId({ ...c.ref });
      if (!out.has(id)) out.set(id, []);
      out.get(id)!.push(Date.parse(c.changedAt));
    }
    return out;
  }

  timeline(query: TimelineQuery): TimelineEntry[] {
    const from = query.from.getTime();
    const to = query.to.getTime();
    const root = this.resolve(query.resource);
    const related = new Set<string>([root]);
    if (query.includeDependencies) for (const id of dependenciesOf(this.graph, root).keys()) related.add(id);
    const entries: TimelineEntry[] = [];
    for (const change of this.sortedChanges()) {
      const t = Date.parse(change.changedAt);
      if (t < from || t > to) continue;
      const id = nodeId({ ...change.ref });
      if (related.has(id) || related.has(this.graph.ownerWorkload(id)))
        entries.push({ at: change.changedAt, change });
    }
    for (const anomaly of this.anomalies) {
      const t = Date.parse(anomaly.onset);
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
    g.forEachEdge((_e, attrs, source, target) => {
      if (keep.has(source) && keep.has(target))
        view.edges.push({
          from: source,
          to: target,
          relation: attrs.relation,
          attributes: { weight: attrs.weight },
        });
    });
    view.edges.sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
    return view;
  }

  evictBefore(time: Date): void {
    const iso = time.toISOString();
    const keepChanges = this.sortedChanges().filter((c) => c.changedAt >= iso);
    this.changes.splice(0, this.changes.length, ...keepChanges);
    const keepAnomalies = this.anomalies.filter((a) => a.onset >= iso || a.observedAt >= iso);
    this.anomalies.splice(0, this.anomalies.length, ...keepAnomalies);
  }

  stats(): { resources: number; edges: number; changes: number; anomalies: number } {
    return { ...this.graph.stats(), changes: this.changes.length, anomalies: this.anomalies.length };
  }
}
