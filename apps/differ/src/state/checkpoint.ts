import { objectKey, type SnapshotMarker } from '#contracts';
import type { NewState } from './changelogging-store.js';
import { objectDigest } from './state-text.js';

/** Changelog bookkeeping records (see writeCheckpoint); graph readers skip records with the header. */
export const CHECKPOINT_KIND = 'DifferCheckpoint';
export const CHECKPOINT_GROUP = 'incident-assistant.io';
export const CHECKPOINT_HEADER = 'ia_differ_checkpoint';

/**
 * Records in the changelog partition that this partition saw a complete snapshot, so that after a restart even
 * a partition holding no object knows "when" it last knew the cluster (objects created later were created
 * while away). A valid ObjectState of kind DifferCheckpoint, flagged by a header for readers to skip.
 */
export function checkpointState(
  marker: SnapshotMarker,
  partition: number,
): { key: string; next: NewState; headers: Record<string, string> } {
  const ref = {
    cluster: marker.cluster,
    group: CHECKPOINT_GROUP,
    version: 'v1',
    kind: CHECKPOINT_KIND,
    resource: 'differcheckpoints',
    namespace: null,
    name: `partition-${partition}`,
  };
  const objectText = JSON.stringify({
    lastSnapshot: { group: marker.resource.group, kind: marker.resource.kind, snapshotId: marker.snapshotId },
  });
  const state = {
    schemaVersion: 1 as const,
    ref,
    resourceVersion: '0',
    observedAt: marker.observedAt,
    snapshotId: marker.snapshotId,
  };
  return {
    key: objectKey(ref),
    next: { state, objectText, objectDigest: objectDigest(objectText), statusText: '' },
    headers: { [CHECKPOINT_HEADER]: '1' },
  };
}
