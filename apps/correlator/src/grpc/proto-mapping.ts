import type { AnomalySignal, ChangeEvent, SubjectRef } from '#contracts';
import type {
  DependencyGraphView,
  MetricEvidenceItem,
  RankedCause,
  RankResult,
  ResourceSelector,
  TimelineEntry,
} from '#correlation';
import type { RevisionSeries } from '#metrics';

/**
 * Contract objects -> the plain objects @grpc/proto-loader serialises (camelCase field names, Timestamp as
 * {seconds, nanos}, Struct as {fields}). Only fields that exist in the proto are set.
 */

export interface ProtoTimestamp {
  seconds: string | number;
  nanos?: number;
}

export function toTimestamp(time: Date | string): ProtoTimestamp {
  const ms = typeof time === 'string' ? Date.parse(time) : time.getTime();
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export function fromTimestamp(ts: ProtoTimestamp): Date {
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1_000_000));
}

export interface ProtoResourceRef {
  cluster?: string;
  group?: string;
  kind?: string;
  namespace?: string;
  name?: string;
}

export function toResourceRef(r: Partial<SubjectRef> | ResourceSelector): ProtoResourceRef {
  return {
    cluster: r.cluster ?? '',
    group: r.group ?? '',
    kind: r.kind ?? '',
    namespace: r.namespace ?? '',
    name: r.name ?? '',
  };
}

function json(value: unknown): string {
  return value === undefined ? '' : JSON.stringify(value);
}

/** Secret values are already hashes in the change event (the differ redacts); nothing here can reveal more. */
export function changeToProto(c: ChangeEvent) {
  return {
    changeId: c.changeId,
    resource: toResourceRef(c.ref),
    changedAt: toTimestamp(c.changedAt),
    operation: c.operation,
    classes: [...c.classes],
    risk: c.risk,
    summary: c.summary,
    diff: c.paths.map((p) => ({ path: p.path, op: p.op, oldJson: json(p.old), newJson: json(p.new) })),
    actor: { manager: c.actor.manager, operation: c.actor.operation ?? '', kind: c.actor.kind },
    resourceVersion: c.resourceVersion,
  };
}

export function anomalyToProto(a: AnomalySignal) {
  return {
    anomalyId: a.anomalyId,
    subject: toResourceRef(a.subject),
    workload: a.workload ? toResourceRef(a.workload) : undefined,
    source: a.source,
    reason: a.reason,
    severity: a.severity,
    onset: toTimestamp(a.onset),
    message: a.message ?? '',
    status: a.status,
  };
}

export function rankedCauseToProto(c: RankedCause) {
  return {
    resource: toResourceRef(c.change.ref),
    changedAt: toTimestamp(c.change.changedAt),
    confidence: c.confidence,
    score: c.score,
    explanation: c.explanation,
    change: changeToProto(c.change),
    path: c.path.map((s) => ({ resource: toResourceRef(s.resource), relation: s.relation })),
    secondsBeforeSymptom: c.secondsBeforeSymptom ?? 0,
    explainedAnomalyIds: [...c.explainedAnomalyIds],
    evidence: { ...c.evidence },
    metricEvidence: (c.metricEvidence ?? []).map(metricEvidenceToProto),
  };
}

export function metricEvidenceToProto(m: MetricEvidenceItem) {
  return {
    kind: m.kind,
    signal: m.signal,
    comparison: m.comparison,
    workload: toResourceRef(m.workload),
    revision: m.revision ?? '',
    value: m.value,
    baseline: m.baseline,
    pValue: m.p,
    from: toTimestamp(m.from),
    to: toTimestamp(m.to),
    callers: m.callers.map((c) => ({ caller: c.caller, value: c.value, baseline: c.baseline })),
    summary: m.summary,
  };
}

export function revisionMetricsToProto(r: RevisionSeries) {
  return {
    signal: r.signal,
    revision: r.revision,
    pods: r.pods,
    points: r.points.map((p) => ({ at: toTimestamp(new Date(p.t)), value: p.v })),
  };
}

export function metricsUsedToProto(m: NonNullable<RankResult['metrics']>) {
  return { source: m.source, workloads: m.workloads, failures: m.failures.map((f) => ({ ...f })) };
}

export function timelineEntryToProto(e: TimelineEntry) {
  return 'change' in e
    ? { at: toTimestamp(e.at), change: changeToProto(e.change) }
    : { at: toTimestamp(e.at), anomaly: anomalyToProto(e.anomaly) };
}

/** google.protobuf.Value from any JSON-able value. */
export function toValue(v: unknown): Record<string, unknown> {
  if (v === null || v === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  if (typeof v === 'object') return { structValue: toStruct(v as Record<string, unknown>) };
  return { stringValue: String(v) };
}

export function toStruct(o: Record<string, unknown>): { fields: Record<string, unknown> } {
  return { fields: Object.fromEntries(Object.entries(o).map(([k, v]) => [k, toValue(v)])) };
}

export function graphToProto(g: DependencyGraphView) {
  return {
    nodes: g.nodes.map((n) => ({ id: n.id, resource: toResourceRef(n.resource) })),
    edges: g.edges.map((e) => ({
      from: e.from,
      to: e.to,
      relation: e.relation,
      attributes: e.attributes ? toStruct(e.attributes) : undefined,
    })),
  };
}
