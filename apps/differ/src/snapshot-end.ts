import type { ObjectState, SnapshotMarker } from '#contracts';
import type { ConsumedRecord } from '#kafka';
import type { ChangeFactory } from './change.factory.js';
import type { ChangeScope } from './change-scope.js';
import type { DifferOutput } from './differ.output.js';
import type { ResolvedDifferOptions } from './differ.options.js';
import type { ChangeloggingStore } from './state/changelogging-store.js';
import { checkpointState } from './state/checkpoint.js';

/**
 * What the end of a snapshot (a complete list of one resource) tells a partition: the objects of the resource it
 * holds that the list did not contain were deleted while nobody watched, and the partition knew the cluster at
 * the snapshot's time (its checkpoint).
 */
export class SnapshotEnd {
  constructor(
    private readonly output: DifferOutput,
    private readonly changes: ChangeFactory,
    private readonly scope: ChangeScope,
    private readonly options: ResolvedDifferOptions,
  ) {}

  apply(store: ChangeloggingStore, marker: SnapshotMarker, record: ConsumedRecord): void {
    this.deletedWhileAway(store, marker, record);
    // See checkpointState: after a restart, when this partition last knew the cluster.
    const { key, next, headers } = checkpointState(marker, record.partition);
    store.put(key, Number(record.offset), next, headers);
  }

  private deletedWhileAway(store: ChangeloggingStore, marker: SnapshotMarker, record: ConsumedRecord): void {
    const r = marker.resource;
    if (this.options.ignoreKinds.has(r.kind)) return;
    const prefix = `${marker.cluster}/${r.group || 'core'}/${r.kind}/`;
    const offset = Number(record.offset);
    for (const [key, entry] of store.entries) {
      if (
        !key.startsWith(prefix) ||
        entry.snapshotId === marker.snapshotId ||
        entry.observedAt >= marker.observedAt
      )
        continue;
      const prev = JSON.parse(entry.value) as ObjectState;
      if (this.scope.reportsChanges(r.kind, prev.object)) {
        this.output.change(
          record.partition,
          this.changes.delete({
            ref: prev.ref,
            resourceVersion: prev.resourceVersion,
            observedAt: marker.observedAt,
            raw: prev.object,
            whileAway: true,
            idSuffix: `deleted-while-away:${marker.snapshotId}`,
          }),
        );
      }
      store.delete(key, offset, marker.observedAt);
    }
  }
}
