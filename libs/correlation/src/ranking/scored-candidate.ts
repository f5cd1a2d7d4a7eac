import type { Reach } from '#graph';
import type { Candidate } from './candidate-changes.js';
import type { CertainBreak } from './change-effect.js';
import type { EvidenceGroup } from './incident-evidence.js';

/** How well one change explains one evidence group. */
export interface GroupExplanation {
  group: EvidenceGroup;
  /** reach x timing x (not already broken), in [0, 1]. */
  strength: number;
  /** The same with the prompt lag reading: how strongly this change can claim the first break (cause-ranker.ts). */
  claim: number;
  reach: number;
  /** The path the fault takes; undefined when the link is only presumed (open namespace). */
  path?: Reach;
  /** Reached without calls: the changed workload itself, or the consumers/targets of a changed ConfigMap/Secret/policy. */
  direct: boolean;
  firstOnset?: number;
  preexisting: boolean;
  /**
   * When the change took effect on the group, if later than the change: a ConfigMap or Secret its readers load at
   * start takes effect when they restart (cause-ranker.ts, effectiveStart).
   */
  effectiveAt?: number;
}

export interface ScoredCandidate {
  candidate: Candidate;
  origin: string;
  score: number;
  explained: number;
  /** The share of the symptoms that signals reported (leaving out a symptom only the query names) it explains. */
  observed: number;
  competition: number;
  explanations: GroupExplanation[];
  /** The nearest workload a fault of the changed resource reaches (a ConfigMap's consumer, a policy's target). */
  bridge?: { node: string; reach: Reach };
  /** The outage the manifests say this change causes (a served workload scaled to zero, callers denied). */
  effect?: CertainBreak;
  /** The prior the score used: the candidate's, raised by a certain break. */
  prior: number;
  /** A certain break (at or after this change) that explains the same symptoms away (explaining-away.ts). */
  explainedAwayBy?: { candidate: Candidate; overlap: number };
  /** Earlier changes that already explain what this one explains, strongest first. */
  competitors: Array<{ candidate: Candidate; overlap: number }>;
}
