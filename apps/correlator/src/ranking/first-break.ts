import type { Candidate } from './candidate-changes.js';
import type { SparseExplanations } from './cause-ranker.js';
import type { EvidenceGroup } from './incident-evidence.js';

/** A change earlier than this before another cannot claim to have broken the system first (second precision). */
const SAME_TIME_MS = 1_000;

/**
 * The first-break rule (docs/ranking.md): competition(c) = prod over earlier changes j of (1 - prior_j x
 * overlap(j, c)), where overlap is the share of what c explains that j can claim. Only changes that claim some
 * group c explains can overlap it, so each group keeps its claimants and c meets only those. Sums run over groups
 * in ascending order and the product over earlier changes in candidate order, as the dense loop does, so the
 * values are bit-identical to it.
 */
export function firstBreakCompetition(
  candidates: readonly Candidate[],
  groups: readonly EvidenceGroup[],
  sparse: ReadonlyArray<SparseExplanations | undefined>,
  own: Float64Array,
): { competition: Float64Array; rivals: Map<number, Array<{ j: number; overlap: number }>> } {
  const n = candidates.length;
  const claimants: Array<{ ci: number[]; claim: number[] }> = groups.map(() => ({ ci: [], claim: [] }));
  for (let ci = 0; ci < n; ci++) {
    const s = sparse[ci];
    if (!s) continue;
    for (let k = 0; k < s.groups.length; k++) {
      if (!(s.claim[k] > 0)) continue;
      claimants[s.groups[k]].ci.push(ci);
      claimants[s.groups[k]].claim.push(s.claim[k]);
    }
  }
  // Candidates come by time; then each group's claimants earlier than a change are a prefix of its list.
  let byTime = true;
  for (let ci = 1; ci < n && byTime; ci++) byTime = candidates[ci].time >= candidates[ci - 1].time;
  const competition = new Float64Array(n).fill(1);
  const rivals = new Map<number, Array<{ j: number; overlap: number }>>();
  const shared = new Float64Array(n);
  const met = new Uint8Array(n);
  for (let ci = 0; ci < n; ci++) {
    const s = sparse[ci];
    if (!s || own[ci] === 0) continue;
    const before = candidates[ci].time - SAME_TIME_MS;
    const touched: number[] = [];
    for (let k = 0; k < s.groups.length; k++) {
      const g = groups[s.groups[k]];
      const { ci: js, claim } = claimants[s.groups[k]];
      for (let m = 0; m < js.length; m++) {
        const j = js[m];
        if (candidates[j].time >= before) {
          if (byTime) break;
          continue;
        }
        if (j === ci) continue;
        if (!met[j]) {
          met[j] = 1;
          shared[j] = 0;
          touched.push(j);
        }
        shared[j] += g.relevance * g.weight * Math.min(claim[m], s.strength[k]);
      }
    }
    touched.sort((a, b) => a - b);
    let product = 1;
    const list: Array<{ j: number; overlap: number }> = [];
    for (const j of touched) {
      met[j] = 0;
      const overlap = shared[j] / own[ci];
      if (overlap <= 0) continue;
      product *= 1 - candidates[j].prior * overlap;
      list.push({ j, overlap });
    }
    competition[ci] = product;
    if (list.length) rivals.set(ci, list);
  }
  return { competition, rivals };
}
