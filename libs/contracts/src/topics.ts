/**
 * Every Kafka topic the product uses, in one place. Names carry the contract version: a breaking change to a
 * message shape gets a new topic (`.v2`) so old and new producers can run side by side during an upgrade.
 */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  readonly cleanupPolicy: 'delete' | 'compact';
  /** Retention for `delete` topics; `-1` keeps forever. Compacted topics keep the last value per key. */
  readonly retentionMs: number;
  readonly description: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Raw events and the differ's object changelog are co-partitioned (same key, same partition count), as Kafka
 * Streams requires for a state store: the differ instance that owns raw-events partition p restores its state
 * from changelog partition p.
 */
export const OBJECT_PARTITIONS = 12;

export const TOPICS = {
  rawEvents: {
    name: 'ia.raw-events.v1',
    partitions: OBJECT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 7 * DAY_MS,
    description: 'RawLifecycleEvent from the watcher: ADDED/MODIFIED/DELETED/SYNC and snapshot markers.',
  },
  objects: {
    name: 'ia.objects.v1',
    partitions: OBJECT_PARTITIONS,
    cleanupPolicy: 'compact',
    retentionMs: -1,
    description:
      "ObjectState: the differ's changelog, last normalized state per object, tombstone on delete.",
  },
  changes: {
    name: 'ia.changes.v1',
    partitions: OBJECT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    description: 'ChangeEvent: one classified, attributed, redacted diff per change of spec or data.',
  },
  anomalies: {
    name: 'ia.anomalies.v1',
    partitions: OBJECT_PARTITIONS,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    description: 'AnomalySignal: pod/workload status, Warning events, Alertmanager alerts, ReportAnomaly.',
  },
  deadLetter: {
    name: 'ia.dead-letter.v1',
    partitions: 1,
    cleanupPolicy: 'delete',
    retentionMs: 30 * DAY_MS,
    description: 'Messages no consumer could process, unchanged, with the reason in ia_dlq_* headers.',
  },
} as const satisfies Record<string, TopicSpec>;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS]['name'];

export const ALL_TOPICS: readonly TopicSpec[] = Object.values(TOPICS);
