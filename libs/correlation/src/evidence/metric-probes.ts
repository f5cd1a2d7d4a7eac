import type { ChangeEvent } from '#contracts';
import { parseNodeId, TOP_WORKLOAD_KINDS, type DependencyGraph } from '#graph';
import type { WorkloadWindow } from '#metrics';
import { BEFORE_MS } from './revision-canary.js';

/** A change where it landed: what the probes need of a ranking candidate. */
export interface PlacedChange {
  change: ChangeEvent;
  /** The changed resource's graph node. */
  origin: string;
  time: number;
}

/**
 * One look at the metrics on behalf of one change: the pods of the revision it made, compared with the old ones,
 * or a workload it acts on, after against before.
 */
export type MetricProbe =
  | { kind: 'revision'; candidate: PlacedChange; workload: string; replicaSet: string; since: number }
  | { kind: 'shift'; candidate: PlacedChange; workload: string; since: number };

/** What the probes need of the cluster's rollouts (RevisionIndex through the engine). */
export interface RolloutFacts {
  /** The ReplicaSet a change of a pod template made, if one became current after it. */
  revisionOf(c: PlacedChange): string | undefined;
  /** When a workload's pods (re)started, ascending. */
  restartsOf(workloadNode: string): readonly number[];
}

const CONSUMES = new Set(['consumes-config', 'consumes-secret']);

/**
 * What each candidate change acts on, and how its effect can be seen in the golden signals:
 *  - a new pod template: the revision it made (a canary comparison), or the workload after it when the revision
 *    is not known;
 *  - replicas, or anything else on a workload: the workload after against before;
 *  - a ConfigMap or Secret: each workload that reads it, from the moment it could take effect there: at once (a
 *    mounted file can be reloaded) or, if the workload's pods restarted since, from that restart (environment
 *    variables and most programs read configuration at start);
 *  - a NetworkPolicy: the workloads it selects.
 */
export function metricProbes(
  graph: DependencyGraph,
  candidates: readonly PlacedChange[],
  facts: RolloutFacts,
): MetricProbe[] {
  const probes: MetricProbe[] = [];
  for (const c of candidates) {
    if (c.change.operation === 'delete') continue;
    const kind = c.change.ref.kind;
    if (TOP_WORKLOAD_KINDS.includes(kind)) {
      const rs = templateChanged(c) ? facts.revisionOf(c) : undefined;
      probes.push(
        rs
          ? { kind: 'revision', candidate: c, workload: c.origin, replicaSet: rs, since: c.time }
          : { kind: 'shift', candidate: c, workload: c.origin, since: c.time },
      );
    } else if (kind === 'ConfigMap' || kind === 'Secret') {
      for (const d of graph.dependents(c.origin)) {
        if (!CONSUMES.has(d.relation)) continue;
        const workload = graph.ownerWorkload(d.node);
        probes.push({ kind: 'shift', candidate: c, workload, since: c.time });
        const restart = facts.restartsOf(workload).find((r) => r > c.time);
        if (restart !== undefined) probes.push({ kind: 'shift', candidate: c, workload, since: restart });
      }
    } else if (kind === 'NetworkPolicy') {
      for (const d of graph.dependents(c.origin))
        if (d.relation === 'restricted-by')
          probes.push({ kind: 'shift', candidate: c, workload: d.node, since: c.time });
    }
  }
  return probes.filter((p) => TOP_WORKLOAD_KINDS.includes(parseNodeId(p.workload).kind));
}

/** A change under spec.template makes a new revision (new pods); replicas and strategy do not. */
export function templateChanged(c: PlacedChange): boolean {
  return c.change.paths.some((p) => p.path.startsWith('/spec/template/') || p.path === '/spec/template');
}

/** One window per workload covering every probe of it, with the baseline minutes before the earliest. */
export function metricWindows(probes: readonly MetricProbe[], at: number): WorkloadWindow[] {
  const earliest = new Map<string, number>();
  for (const p of probes) earliest.set(p.workload, Math.min(earliest.get(p.workload) ?? Infinity, p.since));
  return [...earliest.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([node, since]) => {
      const r = parseNodeId(node);
      return {
        cluster: r.cluster,
        namespace: r.namespace ?? '',
        workload: r.name,
        from: since - BEFORE_MS,
        to: at,
      };
    });
}
