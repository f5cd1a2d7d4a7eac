import type { AnomalySignal, ChangeEvent, ObjectRef, ObjectState } from '#contracts';
import { stableId } from '#contracts';
import type {
  CorrelationEngine,
  DependencyGraphQuery,
  DependencyGraphView,
  RankQuery,
  RankResult,
  ResourceSelector,
  TimelineEntry,
  TimelineQuery,
} from '#correlation';

/**
 * A stand-in engine for the service layer's tests: newest change first, edges given by the test. It answers
 * the interface faithfully enough to test transport, validation and grouping, and nothing about ranking quality.
 */
export class FakeEngine implements CorrelationEngine {
  readonly objects = new Map<string, ObjectState>();
  readonly changes: ChangeEvent[] = [];
  readonly anomalies: AnomalySignal[] = [];
  /** Undirected edges between `namespace/Kind/name` ids. */
  readonly edges: Array<{ from: string; to: string; relation: string }> = [];
  /** Milliseconds each rankCauses call blocks (deadline tests). */
  rankDelayMs = 0;
  rankCalls: RankQuery[] = [];

  applyObject(key: string, state: ObjectState | null): void {
    if (state) this.objects.set(key, state);
    else this.objects.delete(key);
  }
  applyChange(change: ChangeEvent): void {
    if (!this.changes.some((c) => c.changeId === change.changeId)) this.changes.push(change);
  }
  applyAnomaly(anomaly: AnomalySignal): void {
    this.anomalies.push(anomaly);
  }

  rankCauses(query: RankQuery): RankResult {
    this.rankCalls.push(query);
    const until = Date.now() + this.rankDelayMs;
    while (Date.now() < until) {
      /* simulate a long synchronous ranking */
    }
    const at = query.at.getTime();
    const lookback = query.lookbackMs ?? 7_200_000;
    const candidates = this.changes
      .filter((c) => Date.parse(c.changedAt) <= at && Date.parse(c.changedAt) >= at - lookback)
      .filter((c) => !query.symptom?.namespace || c.ref.namespace === query.symptom.namespace)
      .sort((a, b) => b.changedAt.localeCompare(a.changedAt) || a.changeId.localeCompare(b.changeId))
      .slice(0, query.top ?? 5);
    return {
      at: query.at,
      verdict: candidates.length ? 'explained' : 'no-change-explains',
      reason: 'fake engine',
      window: { from: new Date(at - lookback), to: query.at },
      causes: candidates.map((change, i) => ({
        change,
        confidence: 1 / (i + 2),
        score: 1 / (i + 1),
        explanation: `${change.summary} (rank ${i + 1})`,
        path: [{ resource: pick(change.ref), relation: 'calls' }],
        secondsBeforeSymptom: 30,
        explainedAnomalyIds: [...(query.anomalyIds ?? [])],
        evidence: { prior: change.risk, time: 0.5 },
      })),
      anomalies: this.anomalies
        .filter((a) => !query.anomalyIds || query.anomalyIds.includes(a.anomalyId))
        .sort((a, b) => a.onset.localeCompare(b.onset) || a.anomalyId.localeCompare(b.anomalyId)),
    };
  }

  timeline(query: TimelineQuery): TimelineEntry[] {
    const from = query.from.getTime();
    const to = query.to.getTime();
    const same = (r: ResourceSelector) =>
      r.kind.toLowerCase() === query.resource.kind.toLowerCase() &&
      r.name === query.resource.name &&
      (!query.resource.namespace || r.namespace === query.resource.namespace);
    const inWindow = (t: string) => Date.parse(t) >= from && Date.parse(t) <= to;
    const entries: TimelineEntry[] = [
      ...this.changes
        .filter((c) => same(pick(c.ref)) && inWindow(c.changedAt))
        .map((c) => ({ at: c.changedAt, change: c })),
      ...this.anomalies
        .filter((a) => same(a.subject) && inWindow(a.onset))
        .map((a) => ({ at: a.onset, anomaly: a })),
    ];
    return entries.sort((a, b) => a.at.localeCompare(b.at));
  }

  dependencyGraph(query: DependencyGraphQuery): DependencyGraphView {
    const id = (r: ResourceSelector) => `${r.namespace ?? ''}/${r.kind}/${r.name}`;
    const parse = (s: string): ResourceSelector => {
      const [namespace, kind, name] = s.split('/');
      return { namespace, kind, name };
    };
    let ids: Set<string>;
    if (query.root) {
      ids = new Set([id(query.root)]);
      for (let d = 0; d < (query.depth ?? 2); d++) {
        const frontier = new Set(ids);
        for (const e of this.edges) {
          if (frontier.has(e.from)) ids.add(e.to);
          if (frontier.has(e.to)) ids.add(e.from);
        }
      }
    } else {
      ids = new Set(
        [...this.objects.values()]
          .filter((o) => o.ref.namespace === query.namespace)
          .map((o) => id(pick(o.ref))),
      );
      for (const e of this.edges) {
        if (!e.from.startsWith(`${query.namespace}/`)) continue;
        ids.add(e.from);
        ids.add(e.to);
      }
    }
    return {
      nodes: [...ids].sort().map((i) => ({ id: i, resource: parse(i) })),
      edges: this.edges
        .filter((e) => ids.has(e.from) && ids.has(e.to))
        .map((e) => ({ ...e, attributes: { via: 'env', port: 8080 } })),
    };
  }

  evictBefore(): void {}

  stats() {
    return {
      resources: this.objects.size,
      edges: this.edges.length,
      changes: this.changes.length,
      anomalies: this.anomalies.length,
    };
  }
}

function pick(r: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): ResourceSelector {
  return { kind: r.kind, namespace: r.namespace ?? undefined, name: r.name };
}

/** A valid ChangeEvent of a Deployment, with overridable parts. */
export function makeChange(over: {
  name: string;
  namespace?: string;
  kind?: string;
  changedAt: string;
  classes?: ChangeEvent['classes'];
  paths?: ChangeEvent['paths'];
  cluster?: string;
}): ChangeEvent {
  const kind = over.kind ?? 'Deployment';
  const ref = {
    cluster: over.cluster ?? 'test',
    group: kind === 'Deployment' ? 'apps' : '',
    version: 'v1',
    kind,
    resource: `${kind.toLowerCase()}s`,
    namespace: over.namespace ?? 'shop',
    name: over.name,
  };
  return {
    schemaVersion: 1,
    changeId: stableId('change', ref.namespace, kind, over.name, over.changedAt),
    ref,
    resourceVersion: String(Date.parse(over.changedAt)),
    changedAt: over.changedAt,
    operation: 'update',
    classes: over.classes ?? ['image'],
    risk: 0.9,
    paths: over.paths ?? [
      { path: '/spec/template/spec/containers/0/image', op: 'replace', old: 'shop/a:1', new: 'shop/a:2' },
    ],
    summary: `${kind} ${over.name}: image shop/a:1 -> shop/a:2`,
    actor: { manager: 'kubectl-set', operation: 'Update', kind: 'human' },
  };
}

/** A valid AnomalySignal about a Deployment. */
export function makeAnomaly(over: {
  name: string;
  namespace?: string;
  onset: string;
  observedAt?: string;
  reason?: string;
  status?: 'firing' | 'resolved';
  id?: string;
}): AnomalySignal {
  return {
    schemaVersion: 1,
    anomalyId:
      over.id ??
      stableId('anomaly', over.namespace ?? 'shop', over.name, over.reason ?? 'HighErrorRate', over.onset),
    cluster: 'test',
    source: 'alertmanager',
    reason: over.reason ?? 'HighErrorRate',
    severity: 'critical',
    status: over.status ?? 'firing',
    subject: { kind: 'Deployment', namespace: over.namespace ?? 'shop', name: over.name },
    onset: over.onset,
    observedAt: over.observedAt ?? over.onset,
  };
}
