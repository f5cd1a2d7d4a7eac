import { stableId } from './headers.js';
import { parseApiVersion } from './object-ref.js';
import type { RawObjectEvent, SnapshotMarker, WatchedResource } from './raw-lifecycle-event.js';

export interface KubeObject extends Record<string, unknown> {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    [k: string]: unknown;
  };
}

/** Builds the RawLifecycleEvent of one observed object. `object` must already be redacted. */
export function rawObjectEvent(args: {
  cluster: string;
  type: RawObjectEvent['type'];
  resource: WatchedResource;
  object: KubeObject;
  observedAt: string;
  snapshotId?: string;
}): RawObjectEvent {
  const md = args.object.metadata ?? {};
  const { group, version } = args.object.apiVersion
    ? parseApiVersion(args.object.apiVersion)
    : { group: args.resource.group, version: args.resource.version };
  const resourceVersion = String(md.resourceVersion ?? '');
  return {
    schemaVersion: 1,
    eventId: stableId(args.cluster, md.uid ?? md.name, resourceVersion, args.type),
    type: args.type,
    cluster: args.cluster,
    ref: {
      cluster: args.cluster,
      group,
      version,
      kind: args.object.kind ?? args.resource.kind,
      resource: args.resource.resource,
      namespace: args.resource.namespaced ? (md.namespace ?? null) : null,
      name: String(md.name ?? ''),
      uid: md.uid,
    },
    resourceVersion,
    observedAt: args.observedAt,
    snapshotId: args.snapshotId,
    object: args.object,
  };
}

export function snapshotMarker(args: {
  cluster: string;
  type: SnapshotMarker['type'];
  resource: WatchedResource;
  snapshotId: string;
  observedAt: string;
  objectCount?: number;
}): SnapshotMarker {
  return {
    schemaVersion: 1,
    eventId: stableId(args.cluster, args.snapshotId, args.type),
    type: args.type,
    cluster: args.cluster,
    resource: args.resource,
    snapshotId: args.snapshotId,
    observedAt: args.observedAt,
    objectCount: args.objectCount,
  };
}
