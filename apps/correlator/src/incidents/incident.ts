import type { AnomalySignal } from '#contracts';
import type { RankedCause } from '#correlation';

/** A group of anomalies that are close in time and connected in the dependency graph, with its likely causes. */
export interface Incident {
  /** Derived from the first anomaly's id, so a correlator rebuilt from Kafka names incidents the same way. */
  incidentId: string;
  /** Earliest onset among its anomalies. */
  startedAt: number;
  /** Latest observedAt among its anomalies (event time, not wall-clock). */
  lastSeenAt: number;
  anomalies: Map<string, AnomalySignal>;
  /** Resource keys of the anomalies' subjects and workloads (see resourceKey). */
  subjects: Set<string>;
  /** Keys of everything within the topology depth of those subjects, as the engine's graph showed it. */
  neighbourhood: Set<string>;
  causes: RankedCause[];
  /** True while anomalies arrived after the causes were last ranked. */
  stale: boolean;
  status: 'open' | 'resolved';
}

/** The key the grouping compares resources by: kind case-insensitively, cluster and group ignored. */
export function resourceKey(r: { kind: string; namespace?: string | null; name: string }): string {
  return `${r.namespace ?? ''}/${r.kind.toLowerCase()}/${r.name}`;
}
