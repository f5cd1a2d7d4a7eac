import { GOLDEN_SIGNALS, type GoldenSignal, type WorkloadSignals } from './golden-signals.js';

/** One golden signal of one revision of a workload, per interval: what a timeline shows beside the changes. */
export interface RevisionSeries {
  signal: GoldenSignal;
  /** The ReplicaSet the pods belong to (`<deployment>-<pod-template-hash>`), or the pod name's stem otherwise. */
  revision: string;
  /** How many pods contributed at least one point. */
  pods: number;
  /** The mean over the revision's pods (and callers) of each interval. */
  points: Array<{ t: number; v: number }>;
}

const POD_SUFFIX = /^(.+)-[a-z0-9]{5}$/;

/**
 * A workload's golden signals folded per revision: pods of one ReplicaSet are one line, so a rollout reads as a
 * new line beside the old one. `revisionOf` maps a pod to its ReplicaSet (the cluster knows; the pod name's stem
 * is the fallback Kubernetes itself uses to name pods).
 */
export function summarizeByRevision(
  signals: WorkloadSignals,
  revisionOf: (pod: string) => string | undefined = (pod) => POD_SUFFIX.exec(pod)?.[1],
): RevisionSeries[] {
  const groups = new Map<
    string,
    { signal: GoldenSignal; revision: string; pods: Set<string>; sums: Map<number, [number, number]> }
  >();
  for (const s of signals.series) {
    const revision = revisionOf(s.pod) ?? s.pod;
    const key = `${s.signal}|${revision}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { signal: s.signal, revision, pods: new Set(), sums: new Map() }));
    if (s.points.length > 0) g.pods.add(s.pod);
    for (const p of s.points) {
      const acc = g.sums.get(p.t) ?? [0, 0];
      acc[0] += p.v;
      acc[1] += 1;
      g.sums.set(p.t, acc);
    }
  }
  const order = (s: GoldenSignal) => GOLDEN_SIGNALS.indexOf(s);
  return [...groups.values()]
    .map((g) => ({
      signal: g.signal,
      revision: g.revision,
      pods: g.pods.size,
      points: [...g.sums.entries()].sort(([a], [b]) => a - b).map(([t, [sum, n]]) => ({ t, v: sum / n })),
    }))
    .sort((a, b) => order(a.signal) - order(b.signal) || (a.revision < b.revision ? -1 : 1));
}
