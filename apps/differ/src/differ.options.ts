import { TOPICS } from '#contracts';
import { DEFAULT_IGNORE_RULES, type IgnoreRule } from '#diff';
import { DEFAULT_MAX_MESSAGE_BYTES } from '#kafka';

/** Everything the differ can be told; every field has a default, so `new DifferProcessor(log, {})` works. */
export interface DifferOptions {
  /** Consumer group. Default `ia-differ`. */
  groupId?: string;
  /** `ce_source` of published records. Default `incident-assistant/differ`. */
  source?: string;
  /** Kinds dropped on arrival: no state, no output (heartbeats and endpoint churn). */
  ignoreKinds?: readonly string[];
  /** Extra per-kind JSON pointers to leave out of diffs, added to DEFAULT_IGNORE_RULES. */
  ignoreDifferences?: readonly IgnoreRule[];
  /** Replace the default ignore rules instead of adding to them. */
  replaceDefaultIgnoreRules?: boolean;
  /**
   * Kinds whose controller-owned objects (an ownerReference with controller=true) produce no ChangeEvents: their
   * spec is their owner's template, whose change is already reported. State and anomaly signals are kept.
   */
  controllerOwnedKinds?: readonly string[];
  /** Largest record the broker takes (message.max.bytes). Bigger change events get their delta truncated. */
  maxMessageBytes?: number;
  /** String values longer than this are stored and diffed as digests. */
  maxValueBytes?: number;
  /** One structured log line per change. Default true. */
  logChanges?: boolean;
  /**
   * Raw-events partitions whose batches are in hand at once (default: all of the topic's, 12): while one waits
   * for the broker to acknowledge its output and commit, another is diffed. With half of them in hand, a backlog
   * was diffed in two waves, and each wave ended waiting, CPU idle, for its slowest partition's acknowledgements.
   */
  partitionsConcurrently?: number;
}

export interface ResolvedDifferOptions {
  groupId: string;
  source: string;
  ignoreKinds: ReadonlySet<string>;
  ignoreRules: readonly IgnoreRule[];
  controllerOwnedKinds: ReadonlySet<string>;
  maxMessageBytes: number;
  maxValueBytes: number;
  logChanges: boolean;
  partitionsConcurrently: number;
}

export const DEFAULT_PARTITIONS_CONCURRENTLY = TOPICS.rawEvents.partitions;
export const DEFAULT_IGNORE_KINDS = ['Lease', 'Endpoints', 'EndpointSlice'] as const;
export const DEFAULT_CONTROLLER_OWNED_KINDS = ['Pod', 'ReplicaSet', 'ControllerRevision', 'Job'] as const;

export function resolveDifferOptions(o: DifferOptions): ResolvedDifferOptions {
  return {
    groupId: o.groupId ?? 'ia-differ',
    source: o.source ?? 'incident-assistant/differ',
    ignoreKinds: new Set(o.ignoreKinds ?? DEFAULT_IGNORE_KINDS),
    ignoreRules: [
      ...(o.replaceDefaultIgnoreRules ? [] : DEFAULT_IGNORE_RULES),
      ...(o.ignoreDifferences ?? []),
    ],
    controllerOwnedKinds: new Set(o.controllerOwnedKinds ?? DEFAULT_CONTROLLER_OWNED_KINDS),
    maxMessageBytes: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
    maxValueBytes: o.maxValueBytes ?? 64 * 1024,
    logChanges: o.logChanges ?? true,
    partitionsConcurrently: o.partitionsConcurrently ?? DEFAULT_PARTITIONS_CONCURRENTLY,
  };
}
