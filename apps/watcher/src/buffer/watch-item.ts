import type { KubeObject, RawObjectEvent, SnapshotMarker, WatchedResource } from '#contracts';
import type { LogRecord } from '#kafka';

/** What a reflector observed: one object event as received (not yet redacted), or one snapshot marker. */
export type ObservedItem = ObservedObject | MarkerItem;

export interface ObservedObject {
  kind: 'object';
  type: RawObjectEvent['type'];
  resource: WatchedResource;
  object: KubeObject;
  observedAt: string;
  snapshotId?: string;
}

/** A snapshot marker, to go to every partition (the partition count is known only to the publisher). */
export interface MarkerItem {
  kind: 'marker';
  type: SnapshotMarker['type'];
  resource: WatchedResource;
  snapshotId: string;
  observedAt: string;
  objectCount?: number;
}

/** An object that cannot be published, reduced to its identity and the reason: it goes to the dead-letter topic. */
export interface RejectedItem {
  kind: 'rejected';
  type: RawObjectEvent['type'];
  resource: WatchedResource;
  observedAt: string;
  key: string | null;
  identity: {
    namespace: string | null;
    name: string | null;
    uid?: string;
    resourceVersion?: string;
  };
  reason: 'oversized' | 'unserializable' | 'no-identity';
  detail: string;
}

/**
 * What the buffer between the watches and the publisher holds. Objects are already redacted and serialized
 * (`record`): the buffer then holds one compact string per event instead of the parsed object graph (several
 * times the JSON size on the heap), and its byte bound is exact.
 */
export type WatchItem = MarkerItem | RejectedItem | { kind: 'record'; record: LogRecord; bytes: number };
