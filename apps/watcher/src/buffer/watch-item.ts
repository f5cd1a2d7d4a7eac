import type { RawObjectEvent, SnapshotMarker, WatchedResource } from '#contracts';
import type { KubeObject } from '../publish/raw-event.factory.js';

/** What a reflector hands to the publisher: one object event, or one snapshot marker (to go to every partition). */
export type WatchItem =
  | {
      kind: 'object';
      type: RawObjectEvent['type'];
      resource: WatchedResource;
      /** As received, not yet redacted: redaction happens once, in the publisher, before anything is serialized. */
      object: KubeObject;
      observedAt: string;
      snapshotId?: string;
    }
  | {
      kind: 'marker';
      type: SnapshotMarker['type'];
      resource: WatchedResource;
      snapshotId: string;
      observedAt: string;
      objectCount?: number;
    };
