import type { Candidate } from './candidate-changes.js';
import type { EvidenceGroup } from './incident-evidence.js';
import type { SparseExplanations } from './sparse-explanations.js';

/** A change earlier than this before another cannot claim to have broken the system first (second precision). */
export const SAME_TIME_MS = 1_000;
/** A symptom counts as the incident's first only if it is a real one: not routine noise, in the symptom's namespace. */
const COUNTS = 0.3;
/** Kubernetes times have second precision. */
const ONSET_TOLERANCE_MS = 2_000;

/**
 * Kinds whose creation brings something new (a workload, its configuration, its Service) rather than acting on
 * what runs already (a NetworkPolicy, a quota, a webhook do).
 */
const NEW_THING_KINDS = new Set([
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'Job',
  'CronJob',
  'Pod',
  'ConfigMap',
  'Secret',
  'Service',
  'ServiceAccount',
  'PersistentVolumeClaim',
  'HorizontalPodAutoscaler',
]);

/**
 * Whether a change can claim to have broken a working system first. A creation of something new cannot: what it
 * brought did not work before it either, so there was no working system for it to break, and the edits made to
 * the new application after it are alternatives for what broke it, judged on their own evidence and prior (an
 * image bump or a config edit a minute after an app was deployed is the first suspect, not the deployment).
 * Creations that act on what already runs (a NetworkPolicy) claim like any change.
 */
export function claimsFirstBreak(c: Candidate): boolean {
  return !(c.change?.operation === 'create' && NEW_THING_KINDS.has(c.change.ref.kind));
}

/**
 * The first-break rule (docs/ranking.md): competition(c) = prod over earlier changes j of (1 - prior_j x
 * competition(j) x overlap(j, c)), where overlap is the share of what c explains that j can claim. Only changes that claim some
 * group c explains can overlap it, so each group keeps its claimants and c meets only those. Sums run over groups
 * in ascending order and the product over earlier changes in candidate order, so the values are deterministic.
 *
 * The incident's first symptom after c: if c reaches it directly (no calls), j's claims on the other groups rest
 * on j having broken the system first, and are scaled by how well j explains that first symptom compared with c
 * (min(1, claim_j / x_c)). An earlier change reaching c's own early failure only through a presumed link then no
 * longer pushes c down through the entry point's alert, which both explain alike.
 *
 * An earlier change pushes with the chance that it broke the system first: its prior times its own competition.
 * Earlier changes are alternatives for the one first break, so two benign changes made before the fault do not
 * stack their pushes (0.1 x 0.25 for an image bump and an env edit), while the faulty change still pushes down
 * everything made after it with its full weight when nothing before it explains the same symptoms.
 *
 * A change whose outage the manifests determine (change-effect.ts: a served workload scaled to zero, a policy
 * admitting none of its callers) broke the system itself, at its own time, whatever came before: the claims of
 * earlier changes on what it explains are scaled by 1 - its certainty. `effect.prior` is every candidate's prior
 * as the ranking reads it (raised for such changes).
 */
export function firstBreakCompetition(
  candidates: readonly Candidate[],
  groups: readonly EvidenceGroup[],
  sparse: ReadonlyArray<SparseExplanations | undefined>,
  own: Float64Array,
  effect?: { prior: ArrayLike<number>; certainty: ArrayLike<number> },
): { competition: Float64Array; rivals: Map<number, Array<{ j: number; overlap: number }>> } {
  const n = candidates.length;
  const prior = effect?.prior ?? candidates.map((c) => c.prior);
  const claimants: Array<{ ci: number[]; claim: number[]; start: number[] }> = groups.map(() => ({
    ci: [],
    claim: [],
    start: [],
  }));
  for (let ci = 0; ci < n; ci++) {
    const s = sparse[ci];
    if (!s || !claimsFirstBreak(candidates[ci])) continue;
    for (let k = 0; k < s.groups.length; k++) {
      if (!(s.claim[k] > 0)) continue;
      claimants[s.groups[k]].ci.push(ci);
      claimants[s.groups[k]].claim.push(s.claim[k]);
      claimants[s.groups[k]].start.push(s.start[k]);
    }
  }
  // Candidates come by time; then each group's claimants earlier than a change are a prefix of its list, and an
  // earlier change's competition is final when a later one reads it.
  let byTime = true;
  for (let ci = 1; ci < n && byTime; ci++) byTime = candidates[ci].time >= candidates[ci - 1].time;
  // Onsets of the symptoms that count, per group (ascending, as the group's anomalies are).
  const counting = groups.map((g) =>
    g.virtual || g.relevance < COUNTS
      ? []
      : g.anomalies.filter((a) => a.weight >= COUNTS).map((a) => a.onset),
  );
  const competition = new Float64Array(n).fill(1);
  const rivals = new Map<number, Array<{ j: number; overlap: number }>>();
  const shared = new Float64Array(n);
  const firstClaim = new Float64Array(n);
  const firstShared = new Float64Array(n);
  const met = new Uint8Array(n);
  for (let ci = 0; ci < n; ci++) {
    const s = sparse[ci];
    if (!s || own[ci] === 0) continue;
    const first = firstSymptomExplainedDirectly(candidates[ci].time, s, counting);
    const touched: number[] = [];
    for (let k = 0; k < s.groups.length; k++) {
      const g = groups[s.groups[k]];
      const { ci: js, claim, start } = claimants[s.groups[k]];
      // Times of taking effect, not of being made: a ConfigMap read at start takes effect on this group when its
      // readers restart (cause-ranker.ts). A change that took effect only when this one did (made effective by
      // its restart) did not break the system before it; and one that took effect later than it was made meets
      // the changes that broke the system before that.
      const before = s.start[k] - SAME_TIME_MS;
      for (let m = 0; m < js.length; m++) {
        const j = js[m];
        if (candidates[j].time >= before) {
          if (byTime) break;
          continue;
        }
        if (j === ci || start[m] >= before) continue;
        if (!met[j]) {
          met[j] = 1;
          shared[j] = 0;
          firstClaim[j] = 0;
          firstShared[j] = 0;
          touched.push(j);
        }
        const part = g.relevance * g.weight * Math.min(claim[m], s.strength[k]);
        if (k === first) {
          firstClaim[j] = claim[m];
          firstShared[j] = part;
        } else shared[j] += part;
      }
    }
    touched.sort((a, b) => a - b);
    let product = 1;
    const list: Array<{ j: number; overlap: number }> = [];
    for (const j of touched) {
      met[j] = 0;
      const overlap =
        (first < 0
          ? shared[j] / own[ci]
          : (firstShared[j] + Math.min(1, firstClaim[j] / s.strength[first]) * shared[j]) / own[ci]) *
        (1 - (effect?.certainty[ci] ?? 0));
      if (overlap <= 0) continue;
      product *= 1 - prior[j] * competition[j] * overlap;
      list.push({ j, overlap });
    }
    competition[ci] = product;
    if (list.length) rivals.set(ci, list);
  }
  return { competition, rivals };
}

/**
 * The incident's first symptom after a change (the earliest onset among the symptoms that count), if the change
 * reaches it directly (its own workload, the consumers of a changed ConfigMap/Secret, a policy's targets): the
 * index of that group in the change's explanations, else -1. Ties (same second) take the strongest explanation.
 */
function firstSymptomExplainedDirectly(
  time: number,
  s: SparseExplanations,
  counting: ReadonlyArray<readonly number[]>,
): number {
  const from = time - ONSET_TOLERANCE_MS;
  let earliest = Infinity;
  for (const onsets of counting) {
    for (const t of onsets) {
      if (t < from) continue;
      if (t < earliest) earliest = t;
      break;
    }
  }
  if (earliest === Infinity) return -1;
  let best = -1;
  for (let k = 0; k < s.groups.length; k++) {
    if (!s.direct[k]) continue;
    const onset = counting[s.groups[k]].find((t) => t >= from);
    if (onset === undefined || onset - earliest > ONSET_TOLERANCE_MS) continue;
    if (best < 0 || s.strength[k] > s.strength[best]) best = k;
  }
  return best;
}
