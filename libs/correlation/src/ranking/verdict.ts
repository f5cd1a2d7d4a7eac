import { parseNodeId } from '#graph';
import type { RankedCause, Verdict } from '../correlation-queries.js';
import type { EvidenceGroup } from './incident-evidence.js';

/** A symptom group is evidence of an incident when it is real (not routine noise) and about the incident. */
const COUNTS = 0.3;
/** More likely than not. */
const EXPLAINED = 0.5;

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
  if (evidence.length === 0)
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
  if (top.confidence < EXPLAINED)
    return {
      verdict: 'no-change-explains',
      reason: `the best candidate (${name}) explains the symptoms only weakly (confidence ${top.confidence.toFixed(2)})`,
    };
  return {
    verdict: 'explained',
    reason: `${name} most likely caused it (confidence ${top.confidence.toFixed(2)})`,
  };
}
