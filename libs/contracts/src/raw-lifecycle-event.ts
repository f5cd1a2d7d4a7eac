import { z } from 'zod';
import { KubeObjectSchema, ObjectRefSchema } from './object-ref.js';

export const RAW_EVENT_TYPES = [
  'ADDED',
  'MODIFIED',
  'DELETED',
  'SYNC',
  'SNAPSHOT_START',
  'SNAPSHOT_END',
] as const;
export type RawEventType = (typeof RAW_EVENT_TYPES)[number];

/** Describes one API resource the watcher lists and watches. */
export const WatchedResourceSchema = z.object({
  group: z.string(),
  version: z.string().min(1),
  kind: z.string().min(1),
  resource: z.string().min(1),
  namespaced: z.boolean(),
});
export type WatchedResource = z.infer<typeof WatchedResourceSchema>;

const ObjectEventSchema = z.object({
  schemaVersion: z.literal(1),
  /** Deterministic (cluster, uid, resourceVersion, type) digest, so a re-published event is recognisable. */
  eventId: z.string().min(1),
  type: z.enum(['ADDED', 'MODIFIED', 'DELETED', 'SYNC']),
  cluster: z.string().min(1),
  ref: ObjectRefSchema,
  resourceVersion: z.string(),
  /** When the watcher saw the event (RFC3339, ms). */
  observedAt: z.iso.datetime({ offset: true }),
  /** Set on SYNC events: the snapshot (initial list or relist) this object was part of. */
  snapshotId: z.string().optional(),
  /** The full object after the write (its last state for DELETED). Secret values are already HMAC-hashed. */
  object: KubeObjectSchema,
});

/**
 * A snapshot marker is published to every partition of the raw-events topic, before the first and after the
 * last SYNC of one list of one resource. Per partition, the SYNCs of that list sit between its two markers, so
 * a consumer can tell which of its objects vanished while nobody watched.
 */
const SnapshotMarkerSchema = z.object({
  schemaVersion: z.literal(1),
  eventId: z.string().min(1),
  type: z.enum(['SNAPSHOT_START', 'SNAPSHOT_END']),
  cluster: z.string().min(1),
  resource: WatchedResourceSchema,
  snapshotId: z.string().min(1),
  observedAt: z.iso.datetime({ offset: true }),
  /** On SNAPSHOT_END: how many objects the snapshot held in all partitions. */
  objectCount: z.number().int().nonnegative().optional(),
});

export const RawLifecycleEventSchema = z.discriminatedUnion('type', [
  ObjectEventSchema,
  SnapshotMarkerSchema,
]);
export type RawLifecycleEvent = z.infer<typeof RawLifecycleEventSchema>;
export type RawObjectEvent = z.infer<typeof ObjectEventSchema>;
export type SnapshotMarker = z.infer<typeof SnapshotMarkerSchema>;

export function isSnapshotMarker(e: RawLifecycleEvent): e is SnapshotMarker {
  return e.type === 'SNAPSHOT_START' || e.type === 'SNAPSHOT_END';
}

/** Key of snapshot markers; they carry an explicit partition, the key only names the resource. */
export function snapshotMarkerKey(cluster: string, r: WatchedResource): string {
  return `${cluster}/${r.group || 'core'}/${r.kind}/~snapshot`;
}
