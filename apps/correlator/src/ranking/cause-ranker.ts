import {
  nodeId,
  propagateFrom,
  TOP_WORKLOAD_KINDS,
  type DependencyGraph,
  type PropagationMap,
  type Reach,
} from '#graph';
import type { Candidate } from './candidate-changes.js';
import type { EvidenceGroup } from './incident-evidence.js';
import { LAG, lagPlausibility, looseLagPlausibility, promptLagPlausibility } from './lag-model.js';

/** How well one change explains one evidence group. */
export interface GroupExplanation {
  group: EvidenceGroup;
  /** reach x timing x (not already broken), in [0, 1]. */
  strength: number;
  /** The same with the prompt lag reading: how strongly this change can claim the first break (see below). */
  claim: number;
  reach: number;
  /** The path the fault takes; undefined when the link is only presumed (open namespace). */
  path?: Reach;
  firstOnset?: number;
  preexisting: boolean;
}

export interface ScoredCandidate {
  candidate: Candidate;
  origin: string;
  score: number;
  explained: number;
  competition: number;
  explanations: GroupExplanation[];
  /** The nearest workload a fault of the changed resource reaches (a ConfigMap's consumer, a policy's target). */
  bridge?: { node: string; reach: Reach };
  /** Earlier changes that already explain what this one explains, strongest first. */
  competitors: Array<{ candidate: Candidate; overlap: number }>;
}

/** Weight of symptoms of a workload's own containers reached only through calls (a callee's failure rarely crashes its callers). */
const LOCAL_THROUGH_CALLS = 0.15;
/** A symptom already present before the change is explained by it only this much (it may have worsened it). */
const PREEXISTING = 0.35;
/** Keeps changes that explain nothing ordered by their prior instead of all scoring zero. */
const BASELINE = 0.02;

/**
 * Scores every candidate against the incident's evidence (see docs/ranking.md):
 *
 *   score = prior x (BASELINE + explained) x competition
 *
 * `explained` is the relevance-weighted share of the evidence groups the change can explain: the fault can reach
 * the group's resource along dependencies in the direction failures travel, the group's first symptom came after
 * the change within a plausible lag, and the resource was not already failing before. `competition` applies the
 * first-break rule: an incident starts once; if an earlier change already explains the same symptoms (weighted by
 * that change's prior), this later change is less likely to be what started it.
 */
export function scoreCandidates(
  graph: DependencyGraph,
  candidates: readonly Candidate[],
  groups: readonly EvidenceGroup[],
  at: number,
  symptomNode?: string,
): ScoredCandidate[] {
  const propagation = new Map<string, PropagationMap>();
  const totalWeight = groups.reduce((s, g) => s + g.relevance * g.weight, 0) || 1;
  const scored: ScoredCandidate[] = candidates.map((candidate) => {
    const origin = nodeId({ ...candidate.change.ref });
    let map = propagation.get(origin);
    if (!map) propagation.set(origin, (map = propagateFrom(graph, origin)));
    const explanations = groups.map((g) => explainGroup(graph, candidate, origin, map!, g, at, symptomNode));
    const explained =
      explanations.reduce((s, x) => s + x.group.relevance * x.group.weight * x.strength, 0) / totalWeight;
    return {
      candidate,
      origin,
      score: 0,
      explained,
      competition: 1,
      explanations,
      competitors: [],
      bridge: nearestWorkload(map.any),
    };
  });

  for (const c of scored) {
    const own = c.explanations.reduce((s, x) => s + x.group.relevance * x.group.weight * x.strength, 0);
    for (const j of scored) {
      if (j === c || j.candidate.time >= c.candidate.time - 1_000 || own === 0) continue;
      let shared = 0;
      for (let i = 0; i < groups.length; i++) {
        const g = groups[i];
        shared += g.relevance * g.weight * Math.min(j.explanations[i].claim, c.explanations[i].strength);
      }
      const overlap = shared / own;
      if (overlap <= 0) continue;
      c.competition *= 1 - j.candidate.prior * overlap;
      c.competitors.push({ candidate: j.candidate, overlap });
    }
    c.competitors.sort((a, b) => b.overlap * b.candidate.prior - a.overlap * a.candidate.prior);
    c.score = c.candidate.prior * (BASELINE + c.explained) * c.competition;
  }
  return scored;
}

function nearestWorkload(reached: Map<string, Reach>): { node: string; reach: Reach } | undefined {
  let best: { node: string; reach: Reach } | undefined;
  for (const [node, reach] of reached) {
    if (!TOP_WORKLOAD_KINDS.includes(node.split('/')[1])) continue;
    if (
      !best ||
      reach.path.length < best.reach.path.length ||
      (reach.path.length === best.reach.path.length && node < best.node)
    )
      best = { node, reach };
  }
  return best;
}

function explainGroup(
  graph: DependencyGraph,
  candidate: Candidate,
  origin: string,
  map: PropagationMap,
  g: EvidenceGroup,
  at: number,
  symptomNode: string | undefined,
): GroupExplanation {
  const none = { group: g, strength: 0, claim: 0, reach: 0, preexisting: false };
  // Local symptoms: a path without calls, else any path (or a presumed one) at a fraction of its weight.
  const ownPath = map.local.get(g.node);
  const localPath = g.nature === 'local' ? ownPath : undefined;
  const path: Reach | undefined = localPath ?? map.any.get(g.node);
  const through = path?.weight ?? presumedReach(graph, origin, g.node, symptomNode);
  const reach = localPath ? localPath.weight : g.nature === 'local' ? through * LOCAL_THROUGH_CALLS : through;
  if (reach <= 0) return none;

  const t = candidate.time;
  if (g.virtual) {
    const strength = reach * looseLagPlausibility(at - t);
    return { group: g, strength, claim: strength, reach, path, preexisting: false };
  }
  const after = g.anomalies.filter((a) => a.onset >= t - LAG.TOLERANCE_MS);
  if (after.length === 0) return { ...none, reach, path };
  const firstOnset = after[0].onset;
  const weightAfter = Math.max(...after.map((a) => a.weight));
  const preexisting = g.anomalies.some(
    (a) => a.onset < t - LAG.TOLERANCE_MS && a.weight >= 0.3 && (a.resolvedAt ?? Infinity) > t,
  );
  const base = reach * (weightAfter / g.weight) * (preexisting ? PREEXISTING : 1);
  // A slow fault (a leak, a limit hit under load, a credential checked on reconnect) builds up where the change
  // was made: on the changed workload, or on the consumers of a changed ConfigMap/Secret. Only there is a long
  // lag plausible; symptoms that the fault would reach through calls follow its first symptom within minutes.
  const claim = base * promptLagPlausibility(firstOnset - t);
  const strength = ownPath ? base * lagPlausibility(firstOnset - t) : claim;
  return { group: g, strength, claim, reach, path, firstOnset, preexisting };
}

/**
 * Reach where no path is known. Within one namespace whose manifests do not reveal calls, any workload may be
 * on the path: presumed by the namespace's openness, fully towards the symptom (an entry point depends on most
 * of its application) and towards anything when no symptom is named, half otherwise. Across namespaces, or where the call graph is visible, nothing is presumed.
 */
function presumedReach(
  graph: DependencyGraph,
  origin: string,
  target: string,
  symptomNode: string | undefined,
): number {
  const [cluster, , ns] = origin.split('/');
  const [tCluster, , tNs] = target.split('/');
  if (cluster !== tCluster || ns !== tNs || ns === '_') return 0;
  const openness = graph.namespaceOpenness(cluster, ns);
  return openness * (symptomNode === undefined || target === symptomNode ? 1 : 0.5);
}
