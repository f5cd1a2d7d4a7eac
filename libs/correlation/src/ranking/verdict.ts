import { parseNodeId } from '#graph';
import type { RankedCause, Verdict } from '../correlation-queries.js';
import type { EvidenceGroup } from './incident-evidence.js';

/** A symptom group is evidence of an incident when it is real (not routine noise) and about the incident. */
const COUNTS = 0.3;
/**
 * Explained when the first cause accounts for at least this share of the reported symptoms. The boundary where a
 * logistic model of "some listed change caused it" crosses one half, fit on generated incidents (real queries
 * against queries made a minute before the faulty change) with scripts/calibrate-confidence.mjs.
 */
export const EXPLAINED_SHARE = 0.338;

/** Whether the incident's evidence holds anything reported (not only the symptom the query names). */
export function hasReportedEvidence(groups: readonly EvidenceGroup[]): boolean {
  return groups.some((g) => !g.virtual && g.relevance >= COUNTS && g.weight >= COUNTS);
}

export interface VerdictInput {
  groups: readonly EvidenceGroup[];
  causes: readonly Pick<RankedCause, 'confidence' | 'change' | 'evidence'>[];
  candidates: number;
  symptomNode?: string;
  unknownSymptom: boolean;
  window: { from: Date; to: Date };
}

const show = (node: string) => {
  const r = parseNodeId(node);
  return `${r.namespace ? `${r.namespace}/` : ''}${r.kind}/${r.name}`;
};

/** Says what the answer is worth: explained, no change explains it, or no evidence of an incident at all. */
export function judge(v: VerdictInput): { verdict: Verdict; reason: string } {
  if (v.unknownSymptom && v.symptomNode)
    return {
      verdict: 'no-evidence',
      reason: `unknown resource ${show(v.symptomNode)}: no object or signal of that name was seen`,
    };
  const evidence = v.groups.filter((g) => !g.virtual && g.relevance >= COUNTS && g.weight >= COUNTS);
  if (!hasReportedEvidence(v.groups))
    return {
      verdict: 'no-evidence',
      reason: v.symptomNode
        ? `no anomaly or alert concerns ${show(v.symptomNode)} or what it depends on in the hour before the query`
        : 'no anomaly or alert in the hour before the query',
    };
  if (v.candidates === 0)
    return {
      verdict: 'no-change-explains',
      reason: `no change between ${v.window.from.toISOString()} and ${v.window.to.toISOString()}`,
    };
  const top = v.causes[0];
  if (!top || !(top.evidence.explained > 0))
    return {
      verdict: 'no-change-explains',
      reason: `no change in the window reaches the ${evidence.length} symptom group(s)`,
    };
  const name = `${top.change.ref.kind} ${top.change.ref.namespace ? `${top.change.ref.namespace}/` : ''}${top.change.ref.name}`;
  const observed = top.evidence.observed ?? 0;
  if (observed < EXPLAINED_SHARE)
    return {
      verdict: 'no-change-explains',
      reason: `the best candidate (${name}) explains only ${Math.round(observed * 100)}% of the reported symptoms`,
    };
  return {
    verdict: 'explained',
    reason: `${name} explains ${Math.round(observed * 100)}% of the reported symptoms (confidence ${top.confidence.toFixed(2)})`,
  };
}
