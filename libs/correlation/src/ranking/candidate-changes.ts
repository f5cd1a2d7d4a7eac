import { riskPrior, type ChangeEvent } from '#contracts';
import { nodeId } from '#graph';
import { diffSuspicion } from './change-suspicion.js';

/** Objects the cluster rewrites by itself; their "changes" are consequences, not causes. */
const RUNTIME_KINDS = new Set([
  'Pod',
  'ReplicaSet',
  'ControllerRevision',
  'Event',
  'Lease',
  'Endpoints',
  'EndpointSlice',
  'Node',
]);

export interface Candidate {
  change: ChangeEvent;
  /** The changed resource's graph node, where its fault starts. */
  origin: string;
  time: number;
  /** Probability-like weight before looking at symptoms: class risk, who made it, what the diff says. */
  prior: number;
  priorNotes: string[];
}

/**
 * Which changes may be causes and how likely each is a priori. Controller-made changes (an HPA moving replicas,
 * a controller rewriting a template) are heavily discounted: they react to load or to another change. Pure
 * metadata changes (labels, annotations) are nearly never causes. The class risk prior comes from the contracts
 * (image, config and scale-to-zero changes break things most often).
 */
export function toCandidate(change: ChangeEvent): Candidate | undefined {
  if (RUNTIME_KINDS.has(change.ref.kind)) return undefined;
  const notes: string[] = [];
  let prior = change.risk > 0 ? change.risk : riskPrior(change.classes);
  if (change.classes.every((c) => c === 'metadata')) {
    prior *= 0.1;
    notes.push('labels/annotations only');
  }
  if (change.actor.kind === 'controller') {
    prior *= 0.05;
    notes.push(`made by a controller (${change.actor.manager})`);
  }
  const suspicion = diffSuspicion(change);
  prior = Math.min(0.98, prior * suspicion.factor);
  // A floor holds for people's and CD tools' changes only: the HPA halving replicas reacts to load.
  if (suspicion.floor !== undefined && change.actor.kind !== 'controller')
    prior = Math.max(prior, suspicion.floor);
  notes.push(...suspicion.reasons);
  return {
    change,
    origin: nodeId({ ...change.ref }),
    time: Date.parse(change.changedAt),
    prior,
    priorNotes: notes,
  };
}
