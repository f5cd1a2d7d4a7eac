import { displayRef } from '#contracts';
import { parseNodeId, type Relation } from '#graph';
import type {
  CausePathStep,
  MetricEvidenceItem,
  RankedCause,
  ResourceSelector,
} from '../correlation-queries.js';
import type { MetricFinding } from '../evidence/metric-finding.js';
import { confidenceOf } from './confidence.js';
import type { GroupExplanation, ScoredCandidate } from './scored-candidate.js';

/** Each relation read in the direction a failure travels (from the dependency to the dependent). */
const FAILURE_DIRECTION: Record<Relation, string> = {
  'owned-by': 'owns',
  'runs-on': 'hosts',
  selects: 'is behind',
  calls: 'is called by',
  'calls-annotated': 'is called by',
  'calls-by-name': 'is presumably called by',
  'consumes-config': 'is consumed by',
  'consumes-secret': 'is consumed by',
  'uses-volume': 'is mounted by',
  'uses-service-account': 'is the identity of',
  'scaled-by': 'scales',
  'restricted-by': 'restricts traffic of',
  'routes-to': 'is routed to by',
};

function selector(id: string): ResourceSelector {
  const r = parseNodeId(id);
  return { cluster: r.cluster, kind: r.kind, namespace: r.namespace ?? undefined, name: r.name };
}

function short(id: string): string {
  const r = parseNodeId(id);
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`;
}

function duration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 90) return `${s}s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${(s / 3600).toFixed(1)} h`;
}

/** The strongest explained group: where the explanation's path leads. */
export function mainExplanation(s: ScoredCandidate): GroupExplanation | undefined {
  let best: GroupExplanation | undefined;
  for (const x of s.explanations) {
    const v = x.strength * x.group.relevance * x.group.weight;
    if (v > 0 && (!best || v > best.strength * best.group.relevance * best.group.weight)) best = x;
  }
  return best;
}

export function causePath(s: ScoredCandidate, x: GroupExplanation | undefined): CausePathStep[] {
  const steps: CausePathStep[] = [];
  let current = s.origin;
  for (const step of x?.path?.path ?? []) {
    steps.push({ resource: selector(current), relation: FAILURE_DIRECTION[step.relation] });
    current = step.node;
  }
  if (x && !x.path && s.bridge && s.bridge.node !== x.group.node) {
    for (const step of s.bridge.reach.path) {
      steps.push({ resource: selector(current), relation: FAILURE_DIRECTION[step.relation] });
      current = step.node;
    }
  }
  if (x && !x.path && x.group.node !== current) {
    steps.push({ resource: selector(current), relation: 'may be called (no address in manifests) by' });
    current = x.group.node;
  }
  steps.push({ resource: selector(current), relation: x ? 'shows the symptom' : 'changed' });
  return steps;
}

/** One paragraph for a person: what changed, who, how it reaches the symptom, when; never a value of a Secret. */
export function explain(
  s: ScoredCandidate,
  total: number,
  findings: ReadonlyMap<string, MetricFinding> = new Map(),
  reported = true,
): Omit<RankedCause, 'change'> {
  const change = s.candidate.change;
  const x = mainExplanation(s);
  const path = causePath(s, x);
  const explainedGroups = s.explanations.filter((e) => e.strength > 0.05 && e.group.relevance >= 0.3);
  const explainedIds = explainedGroups.flatMap((e) =>
    e.group.anomalies.filter((a) => a.onset >= s.candidate.time - 2_000).map((a) => a.signal.anomalyId),
  );
  const parts: string[] = [];
  const who =
    change.actor.kind === 'unknown' ? change.actor.manager : `${change.actor.manager} (${change.actor.kind})`;
  parts.push(
    `${change.operation === 'create' ? 'Created' : change.operation === 'delete' ? 'Deleted' : 'Changed'} ${displayRef(change.ref)} at ${change.changedAt} by ${who}: ${change.summary}.`,
  );
  if (x) {
    const route =
      path.length > 1
        ? path
            .map((p, i) =>
              i < path.length - 1 ? `${short(nodeOf(p.resource))} ${p.relation}` : short(nodeOf(p.resource)),
            )
            .join(' ')
        : 'the changed resource itself';
    const first = x.group.anomalies.find((a) => a.onset >= s.candidate.time - 2_000);
    const when =
      x.firstOnset !== undefined
        ? `${duration(x.firstOnset - s.candidate.time)} after the change`
        : 'by the time of the query';
    parts.push(`Failure path: ${route}.`);
    parts.push(`${first ? `${first.signal.reason} began` : 'The symptom is reported'} ${when}.`);
  } else {
    parts.push('No symptom of the incident is reachable from it or began after it.');
  }
  parts.push(
    `Explains ${explainedGroups.length} of ${s.explanations.filter((e) => e.group.relevance >= 0.3).length} symptom group(s) of the incident.`,
  );
  const metricEvidence = metricEvidenceOf(explainedGroups, s.candidate.time, findings);
  for (const m of metricEvidence.slice(0, 3)) parts.push(`${m.summary}.`);
  if (s.effect) parts.push(`Certain to cut traffic: ${s.effect.reason}.`);
  if (s.candidate.priorNotes.length) parts.push(`Note: ${s.candidate.priorNotes.join('; ')}.`);
  const rival = s.competitors[0];
  if (rival && rival.overlap > 0.3)
    parts.push(
      `An earlier change (${displayRef(rival.candidate.change.ref)} at ${rival.candidate.change.changedAt}) explains the same symptoms.`,
    );
  const away = s.explainedAwayBy;
  if (away && away.overlap > 0.3)
    parts.push(
      `A change certain to cut traffic (${displayRef(away.candidate.change.ref)} at ${away.candidate.change.changedAt}) explains the same symptoms.`,
    );
  const selfAnomalous = s.explanations.some(
    (e) => e.strength > 0.2 && e.group.nature === 'local' && e.path && e.path.callHops === 0,
  );
  const share = s.score / (total || 1);
  return {
    confidence: confidenceOf(share, s.observed, reported),
    score: Number(share.toFixed(4)),
    explanation: parts.join(' '),
    path,
    secondsBeforeSymptom:
      x?.firstOnset !== undefined ? Math.round((x.firstOnset - s.candidate.time) / 1000) : undefined,
    explainedAnomalyIds: [...new Set(explainedIds)],
    evidence: {
      prior: round(s.prior),
      explained: round(s.explained),
      observed: round(s.observed),
      competition: round(s.competition),
      selfAnomalous: selfAnomalous ? 1 : 0,
      raw: round(s.score),
    },
    ...(metricEvidence.length > 0 ? { metricEvidence } : {}),
  };
}

/** The metric findings among the symptoms a cause explains, strongest first (smallest p). */
function metricEvidenceOf(
  explained: readonly GroupExplanation[],
  since: number,
  findings: ReadonlyMap<string, MetricFinding>,
): MetricEvidenceItem[] {
  const items: MetricEvidenceItem[] = [];
  for (const e of explained)
    for (const a of e.group.anomalies) {
      const f = findings.get(a.signal.anomalyId);
      if (!f || a.onset < since - 2_000) continue;
      const w = a.signal.workload ?? a.signal.subject;
      items.push({
        kind: f.kind,
        signal: f.signal,
        comparison: f.comparison,
        workload: { cluster: w.cluster, kind: w.kind, namespace: w.namespace ?? undefined, name: w.name },
        ...(f.revision ? { revision: f.revision } : {}),
        value: f.value,
        baseline: f.baseline,
        p: f.p,
        from: new Date(f.from).toISOString(),
        to: new Date(f.to).toISOString(),
        callers: f.callers,
        summary: a.signal.message ?? f.kind,
      });
    }
  return items.sort((a, b) => a.p - b.p || (a.summary < b.summary ? -1 : 1));
}

function nodeOf(r: ResourceSelector): string {
  return `${r.cluster}/${r.kind}/${r.namespace ?? '_'}/${r.name}`;
}

function round(v: number): number {
  return Number(v.toFixed(4));
}
