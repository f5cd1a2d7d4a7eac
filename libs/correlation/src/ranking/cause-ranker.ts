import { propagateFrom, TOP_WORKLOAD_KINDS, type DependencyGraph, type Reach } from '#graph';
import type { Candidate } from './candidate-changes.js';
import { mainExplanation } from './cause-explanation.js';
import { certainBreak, slowSurfaces, type CertainBreak } from './change-effect.js';
import { explainedAway } from './explaining-away.js';
import { firstBreakCompetition } from './first-break.js';
import type { RolloutFacts } from '../evidence/metric-probes.js';
import type { EvidenceAnomaly, EvidenceGroup } from './incident-evidence.js';
import { LAG, lagPlausibility, looseLagPlausibility, promptLagPlausibility } from './lag-model.js';
import { ReachIndex, type ReachCache, type ReachLookup } from './reach-index.js';
import type { GroupExplanation, ScoredCandidate } from './scored-candidate.js';
import type { SparseExplanations } from './sparse-explanations.js';

/** What rankCandidates weighs: the candidate changes against the incident's evidence groups, at the query's time. */
export interface CandidateRankingInput {
  graph: DependencyGraph;
  candidates: readonly Candidate[];
  groups: readonly EvidenceGroup[];
  /** The query's time, in epoch milliseconds. */
  at: number;
  /** The graph node of the symptom the query names, if it names one. */
  symptomNode: string | undefined;
  /** How many of the best candidates are returned, with their full explanation. */
  top: number;
  /** Propagation searches kept between queries until the graph changes. */
  cache?: ReachCache;
  /**
   * Which revision each change of a pod template made and when workloads restarted: pods' symptoms then belong to
   * the change that made their revision, and a ConfigMap or Secret takes effect when its readers restart.
   * Without it, symptoms belong to workloads only.
   */
  rollouts?: RolloutFacts;
}

/** What explaining one group needs besides the candidate: the query, and the candidate's facts worked out once. */
interface ExplainContext {
  graph: DependencyGraph;
  at: number;
  symptomNode: string | undefined;
  rollouts?: RolloutFacts;
}

/** One candidate's facts that every group's explanation reads. */
interface CandidateFacts {
  /** The fault's first real symptom where it was made, and when the change took effect there. */
  own?: { onset: number; start: number };
  /** Where a slow fault of the change would also surface first (denied callers of a policy). */
  slow?: ReadonlySet<string>;
  /** The ReplicaSet the change made, for a change of a pod template (looked up on first use). */
  revision: () => string | undefined;
}

/** What explains the incident best: the first `top` candidates, and the sum of every candidate's score. */
export interface CandidateRanking {
  top: ScoredCandidate[];
  total: number;
}

/** Weight of symptoms of a workload's own containers reached only through calls (a callee's failure rarely crashes its callers). */
const LOCAL_THROUGH_CALLS = 0.15;
/** A symptom already present before the change is explained by it only this much (it may have worsened it). */
const PREEXISTING = 0.35;
/** Keeps changes that explain nothing ordered by their prior instead of all scoring zero. */
const BASELINE = 0.02;
/** Priors stay below certainty (as in candidate-changes.ts). */
const MAX_PRIOR = 0.98;

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
 *
 * The work follows the incident, not the cluster: only changes on resources from which a fault can reach a
 * group (or presumed links of an open namespace) are searched and explained; every other change explains nothing
 * and scores prior x BASELINE. Sums keep the order of the dense computation (zeros left out), so the scores are
 * the same to the last bit. Only the returned candidates get their full explanation.
 */
export function rankCandidates(input: CandidateRankingInput): CandidateRanking {
  const { graph, candidates, groups, at, symptomNode, top, cache, rollouts } = input;
  const ctx: ExplainContext = { graph, at, symptomNode, rollouts };
  const totalWeight = groups.reduce((s, g) => s + g.relevance * g.weight, 0) || 1;
  // The same share over the symptoms signals reported (not the stand-in for a symptom only the query names).
  const observedWeight = groups.reduce((s, g) => s + (g.virtual ? 0 : g.relevance * g.weight), 0);
  const observed = new Float64Array(candidates.length);
  const reach = new ReachIndex(graph, groups, cache);
  const n = candidates.length;
  const explained = new Float64Array(n);
  const own = new Float64Array(n);
  const sparse: Array<SparseExplanations | undefined> = new Array<SparseExplanations | undefined>(n);
  // Kept for the explanations of the best candidates, which are built again below.
  const facts: Array<CandidateFacts | undefined> = new Array<CandidateFacts | undefined>(n);
  const effects = new Map<number, CertainBreak | undefined>();
  const breakOf = (ci: number) => {
    if (!effects.has(ci)) effects.set(ci, certainBreak(graph, candidates[ci]));
    return effects.get(ci);
  };
  for (let ci = 0; ci < n; ci++) {
    const c = candidates[ci];
    const reachable = reach.groupsFrom(c);
    if (reachable.length === 0) continue;
    const lookup = reach.lookup(c.origin);
    const s: SparseExplanations = { groups: [], strength: [], claim: [], direct: [], start: [] };
    const f = (facts[ci] = candidateFacts(ctx, c, lookup, groups, reachable, slowSurfaces(c, breakOf, ci)));
    let sum = 0;
    let seen = 0;
    for (const i of reachable) {
      const x = explainGroup(ctx, c, lookup, groups[i], f);
      if (!(x.strength > 0)) continue;
      if (!groups[i].virtual) seen += groups[i].relevance * groups[i].weight * x.strength;
      s.groups.push(i);
      s.strength.push(x.strength);
      s.claim.push(x.claim);
      s.direct.push(x.direct);
      s.start.push(x.effectiveAt ?? c.time);
      sum = sum + groups[i].relevance * groups[i].weight * x.strength;
    }
    sparse[ci] = s;
    own[ci] = sum;
    explained[ci] = sum / totalWeight;
    observed[ci] = observedWeight > 0 ? seen / observedWeight : 0;
  }
  // A certain break: P(breaks) = certainty + (1 - certainty) x prior. Only changes that explain something matter.
  const prior = Float64Array.from(candidates, (c) => c.prior);
  const certainty = new Float64Array(n);
  for (let ci = 0; ci < n; ci++) {
    if (own[ci] === 0) continue;
    const e = breakOf(ci);
    if (!e) continue;
    certainty[ci] = e.certainty;
    prior[ci] = Math.min(MAX_PRIOR, e.certainty + (1 - e.certainty) * prior[ci]);
  }
  const { competition, rivals } = firstBreakCompetition(candidates, groups, sparse, own, {
    prior,
    certainty,
  });
  const away = explainedAway(candidates, groups, sparse, own, certainty);
  for (let ci = 0; ci < n; ci++) competition[ci] *= away.factor[ci];

  const score = new Float64Array(n);
  for (let ci = 0; ci < n; ci++) score[ci] = prior[ci] * (BASELINE + explained[ci]) * competition[ci];
  // The dense ranking sums the scores in its sorted order; equal scores are equal numbers, so descending
  // score order gives the very same sum.
  const ascending = Float64Array.from(score).sort();
  let total = 0;
  for (let i = n - 1; i >= 0; i--) total = total + ascending[i];

  const order = (a: number, b: number) =>
    score[b] - score[a] ||
    candidates[b].time - candidates[a].time ||
    (candidates[a].change.changeId < candidates[b].change.changeId ? -1 : 1);
  // The first `top` of the dense sort, by insertion: the order is total (ties end at the change id).
  const best: number[] = [];
  for (let ci = 0; ci < n && top > 0; ci++) {
    if (best.length === top && order(ci, best[top - 1]) >= 0) continue;
    let pos = best.length;
    while (pos > 0 && order(ci, best[pos - 1]) < 0) pos--;
    best.splice(pos, 0, ci);
    if (best.length > top) best.pop();
  }

  const scored = best.map((ci): ScoredCandidate => {
    const c = candidates[ci];
    const lookup = reach.lookup(c.origin);
    // A candidate that reaches no group was skipped above: it has no own symptom.
    const f = facts[ci] ?? candidateFacts(ctx, c, lookup, groups, [], slowSurfaces(c, breakOf, ci));
    const s: ScoredCandidate = {
      candidate: c,
      origin: c.origin,
      score: score[ci],
      explained: explained[ci],
      observed: observed[ci],
      competition: competition[ci],
      effect: own[ci] > 0 ? effects.get(ci) : undefined,
      prior: prior[ci],
      explanations: groups.map((g) => explainGroup(ctx, c, lookup, g, f)),
      explainedAwayBy: away.by.has(ci)
        ? { candidate: candidates[away.by.get(ci)!.j], overlap: away.by.get(ci)!.overlap }
        : undefined,
      competitors: (rivals.get(ci) ?? [])
        .map(({ j, overlap }) => ({ candidate: candidates[j], overlap }))
        .sort((a, b) => b.overlap * b.candidate.prior - a.overlap * a.candidate.prior),
    };
    // The bridge only shows on a presumed link; it needs the unrestricted search, so only then is it run.
    const x = mainExplanation(s);
    if (x && !x.path) s.bridge = nearestWorkload(propagateFrom(graph, c.origin).any);
    return s;
  });
  return { top: scored, total };
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
  ctx: ExplainContext,
  candidate: Candidate,
  map: ReachLookup,
  g: EvidenceGroup,
  facts: CandidateFacts,
): GroupExplanation {
  const { graph, at, symptomNode } = ctx;
  const none = { group: g, strength: 0, claim: 0, reach: 0, direct: false, preexisting: false };
  // Local symptoms: a path without calls, else any path (or a presumed one) at a fraction of its weight.
  const ownPath = map.local(g.node);
  const localPath = g.nature === 'local' ? ownPath : undefined;
  const path: Reach | undefined = localPath ?? map.any(g.node);
  const through = path?.weight ?? presumedReach(graph, candidate.origin, g.node, symptomNode);
  const reach = localPath ? localPath.weight : g.nature === 'local' ? through * LOCAL_THROUGH_CALLS : through;
  if (reach <= 0) return none;
  const direct = ownPath !== undefined;

  const t = candidate.time;
  if (g.virtual) {
    const strength = reach * looseLagPlausibility(at - t);
    return { group: g, strength, claim: strength, reach, path, direct, preexisting: false };
  }
  const after = g.anomalies.filter(
    (a) => a.onset >= t - LAG.TOLERANCE_MS && attributable(candidate, g, a, facts),
  );
  if (after.length === 0) return { ...none, reach, path, direct };
  const preexisting = g.anomalies.some(
    (a) => a.onset < t - LAG.TOLERANCE_MS && a.weight >= 0.3 && (a.resolvedAt ?? Infinity) > t,
  );
  const base = reach * (preexisting ? PREEXISTING : 1);
  const own = facts.own;
  const slowSite = ownPath !== undefined || facts.slow?.has(g.node) === true;
  // Each symptom of the group is read with its own weight and its own lag, and the group counts by the one the
  // change explains best: the brief unavailability every rollout makes at once must not lend its timing to a
  // deadline exceeded half an hour later. Symptoms come in onset order and the lag readings never rise with the
  // onset, so only a symptom heavier than every earlier one can do better than those.
  // Who reads a changed ConfigMap/Secret on the way to this group: the group itself (a consumer), the reader on
  // the path, or, for a presumed link, any of its readers.
  // Looked up only for a ConfigMap or Secret whose symptom came late (effectiveStart): the hot path allocates none.
  const readers = () =>
    direct
      ? [g.node]
      : path
        ? [readerOnPath(path)].filter((r) => r !== undefined)
        : readersOf(graph, candidate);
  let strength = 0;
  let claim = 0;
  let best: EvidenceAnomaly | undefined;
  let bestStart = t;
  let heaviest = 0;
  for (const a of after) {
    if (a.weight <= heaviest) continue;
    heaviest = a.weight;
    const w = base * (a.weight / g.weight);
    // When the change took effect here: at once, or for a ConfigMap/Secret its readers load at start, when they
    // restarted last before the symptom (effectiveStart).
    const start = effectiveStart(ctx, candidate, readers, a.onset);
    // A slow fault (a leak, a limit hit under load, a credential checked on reconnect) builds up where the change
    // was made: on the changed workload, or on the consumers of a changed ConfigMap/Secret. Only there is a long
    // lag plausible; symptoms that the fault would reach through calls follow its first symptom within minutes.
    // Further up the chain, the lag runs from the fault's first own symptom: a slow fault surfaces where it was
    // made (tolerated lag), then its callers follow within minutes (prompt lag from there).
    const c = w * promptLagPlausibility(a.onset - start);
    const chained =
      own !== undefined && own.onset <= a.onset + LAG.TOLERANCE_MS
        ? w * lagPlausibility(own.onset - own.start) * promptLagPlausibility(a.onset - own.onset)
        : 0;
    const x = slowSite ? w * lagPlausibility(a.onset - start) : Math.max(c, chained);
    if (c > claim) claim = c;
    if (x > strength || best === undefined) {
      if (x > strength) strength = x;
      best = a;
      bestStart = start;
    }
  }
  return {
    group: g,
    strength,
    claim,
    reach,
    path,
    direct,
    firstOnset: best!.onset,
    preexisting,
    ...(bestStart > t ? { effectiveAt: bestStart } : {}),
  };
}

/**
 * Whether a change can have caused one symptom of a group it reaches. Pods run the template of their revision:
 * the symptoms of one revision's pods are not explained by a change of the same workload that made another
 * revision (a healthy earlier rollout, or a later one while the old pods fail). Symptoms not about pods, and
 * changes that made no revision (replicas, a ConfigMap), are not sorted this way.
 */
function attributable(c: Candidate, g: EvidenceGroup, a: EvidenceAnomaly, facts: CandidateFacts): boolean {
  if (!a.replicaSet || c.origin !== g.node) return true;
  const revision = facts.revision();
  return !revision || a.replicaSet === revision;
}

/**
 * When a change took effect for a symptom, through the workloads that read it. A ConfigMap or Secret is read at
 * start by most programs (always so for environment variables): when the symptom came too late for the change to
 * have acted at once (past the usual lag and one prompt decay scale), and a reader's pods restarted in between,
 * the change took effect at the last such restart
 * and the lag runs from there (a restart is then not what broke it, only when). Otherwise, and for everything
 * else, a change takes effect when it lands.
 */
function effectiveStart(
  ctx: ExplainContext,
  c: Candidate,
  readers: () => readonly string[],
  onset: number,
): number {
  const kind = c.change.ref.kind;
  if (!ctx.rollouts || (kind !== 'ConfigMap' && kind !== 'Secret')) return c.time;
  // Taking effect at once stays the reading while it is plausible: up to one decay scale past the usual lag (a
  // later reading would also make the change meet every change made in between, for a small gain in timing).
  if (onset - c.time <= LAG.FLAT_MS + LAG.PROMPT_DECAY_MS) return c.time;
  let start = c.time;
  for (const reader of readers())
    for (const r of ctx.rollouts.restartsOf(reader))
      if (r > start && r <= onset + LAG.TOLERANCE_MS) start = r;
  return start;
}

/** The workloads that read a ConfigMap or Secret. */
function readersOf(graph: DependencyGraph, c: Candidate): string[] {
  const kind = c.change.ref.kind;
  if (kind !== 'ConfigMap' && kind !== 'Secret') return [];
  return graph
    .dependents(c.origin)
    .filter((d) => READS.has(d.relation))
    .map((d) => graph.ownerWorkload(d.node));
}

const READS = new Set(['consumes-config', 'consumes-secret']);

/** The workload through which a ConfigMap or Secret reaches a symptom further up the call chain: its reader. */
function readerOnPath(path: Reach | undefined): string | undefined {
  return path?.path.find((s) => READS.has(s.relation))?.node;
}

/** A symptom that counts as the first sign of a fault (not routine noise). */
const OWN_SYMPTOM = 0.3;

/**
 * What every group's explanation reads of one candidate: the revision it made, where a slow fault of it would
 * surface, and when its fault first showed where it was made: the earliest onset, at or after the change, of a
 * real symptom (not rollout noise) on a group reached without calls (the changed workload, a changed ConfigMap's
 * or Secret's consumers, a policy's targets), with when the change took effect there.
 */
function candidateFacts(
  ctx: ExplainContext,
  c: Candidate,
  map: ReachLookup,
  groups: readonly EvidenceGroup[],
  reachable: readonly number[],
  slow: ReadonlySet<string> | undefined,
): CandidateFacts {
  let revision: { of?: string } | undefined;
  const facts: CandidateFacts = {
    slow,
    revision: () => (revision ??= { of: ctx.rollouts?.revisionOf(c) }).of,
  };
  for (const i of reachable) {
    const g = groups[i];
    if (g.virtual || !(map.local(g.node) || slow?.has(g.node))) continue;
    const a = g.anomalies.find(
      (x) => x.onset >= c.time - LAG.TOLERANCE_MS && x.weight >= OWN_SYMPTOM && attributable(c, g, x, facts),
    );
    if (a && (facts.own === undefined || a.onset < facts.own.onset))
      facts.own = {
        onset: a.onset,
        start: map.local(g.node) ? effectiveStart(ctx, c, () => [g.node], a.onset) : c.time,
      };
  }
  return facts;
}

/**
 * Reach where no path is known. Within one namespace whose manifests do not reveal calls, any workload may be
 * on the path: presumed by the namespace's openness, fully towards the symptom (an entry point depends on most
 * of its application) and towards anything when no symptom is named, half otherwise. Across namespaces, or where the call graph is visible, nothing is presumed.
 */
export function presumedReach(
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
