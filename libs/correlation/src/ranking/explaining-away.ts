import type { Candidate } from './candidate-changes.js';
import { SAME_TIME_MS } from './first-break.js';
import type { EvidenceGroup } from './incident-evidence.js';
import type { SparseExplanations } from './sparse-explanations.js';

/**
 * Explaining away by certain breaks. A change whose outage the manifests determine (change-effect.ts: a served
 * workload scaled to zero, a policy admitting none of its callers) is, with its certainty, enough to produce the
 * symptoms it reaches. Those symptoms then say little about any other change: an image bump made a minute before
 * on the same path explains the entry point's alert just as well, but the alert would have come anyway. So every
 * change made before (or with) a certain break keeps only 1 - certainty x overlap of its support, where overlap
 * is the share of what it explains that the certain break claims (prompt lag, as in first-break.ts). Later
 * changes already meet the certain break through first-break, with its raised prior.
 */
export function explainedAway(
  candidates: readonly Candidate[],
  groups: readonly EvidenceGroup[],
  sparse: ReadonlyArray<SparseExplanations | undefined>,
  own: Float64Array,
  certainty: ArrayLike<number>,
): { factor: Float64Array; by: Map<number, { j: number; overlap: number }> } {
  const n = candidates.length;
  const factor = new Float64Array(n).fill(1);
  const by = new Map<number, { j: number; overlap: number }>();
  for (let e = 0; e < n; e++) {
    const se = sparse[e];
    if (!(certainty[e] > 0) || !se) continue;
    const claimOf = new Map<number, number>();
    for (let k = 0; k < se.groups.length; k++) if (se.claim[k] > 0) claimOf.set(se.groups[k], se.claim[k]);
    if (claimOf.size === 0) continue;
    for (let ci = 0; ci < n; ci++) {
      const s = sparse[ci];
      if (ci === e || !s || own[ci] === 0) continue;
      if (candidates[ci].time > candidates[e].time + SAME_TIME_MS) continue;
      let part = 0;
      for (let k = 0; k < s.groups.length; k++) {
        const claim = claimOf.get(s.groups[k]);
        if (claim === undefined) continue;
        const g = groups[s.groups[k]];
        part += g.relevance * g.weight * Math.min(claim, s.strength[k]);
      }
      const overlap = part / own[ci];
      if (!(overlap > 0)) continue;
      factor[ci] *= 1 - certainty[e] * overlap;
      const strongest = by.get(ci);
      if (!strongest || strongest.overlap * certainty[strongest.j] < overlap * certainty[e])
        by.set(ci, { j: e, overlap });
    }
  }
  return { factor, by };
}
