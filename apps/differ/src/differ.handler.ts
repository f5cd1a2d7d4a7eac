import {
  CE_TYPES,
  cloudEventHeaders,
  decodeMessage,
  displayRef,
  encodeMessage,
  isSnapshotMarker,
  objectKey,
  RawLifecycleEventSchema,
  stableId,
  TOPICS,
  type AnomalySignal,
  type ChangeEvent,
  type ObjectState,
  type RawObjectEvent,
  type SnapshotMarker,
} from '#contracts';
import { analyzeStatus, controllerOwner, diffObjects, Normalizer } from '#diff';
import type { ConsumedRecord, EventLog, RecordHandler, TopicPartition } from '#kafka';
import { componentLogger, counter, gauge, histogram } from '#observability';
import { ChangeFactory } from './change.factory.js';
import type { ResolvedDifferOptions } from './differ.options.js';
import { encodeChangeWithinLimit, OutputBuffer } from './output-buffer.js';
import { PartitionStore, STATE_HEADERS } from './state/partition-store.js';
import { UndiffableObject } from './undiffable-object.error.js';

const log = componentLogger('differ');
const changesTotal = counter({
  name: 'ia_differ_changes_total',
  help: 'Change events produced, by first class.',
  labelNames: ['class'],
});
const anomaliesTotal = counter({
  name: 'ia_differ_anomalies_total',
  help: 'Anomaly signals produced, by reason.',
  labelNames: ['reason'],
});
const stateObjects = gauge({
  name: 'ia_differ_state_objects',
  help: 'Objects in the differ state of this instance.',
});
const restoreSeconds = histogram({
  name: 'ia_differ_restore_seconds',
  help: 'Time to rebuild one partition of state from the changelog.',
  buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60],
});

/** Changelog bookkeeping records (see writeCheckpoint); graph readers skip records with the header. */
export const CHECKPOINT_KIND = 'DifferCheckpoint';
export const CHECKPOINT_GROUP = 'incident-assistant.io';
export const CHECKPOINT_HEADER = 'ia_differ_checkpoint';

const APPS_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']);

/** Keeps an Event's identity and what it is about; its counters live in the status digest. */
function eventEssentials(o: Record<string, unknown>): Record<string, unknown> {
  const md = (o.metadata ?? {}) as Record<string, unknown>;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: md.name, namespace: md.namespace, uid: md.uid },
    involvedObject: o.involvedObject ?? o.regarding,
    reason: o.reason,
    type: o.type,
  };
}

/**
 * The differ's record handler: per raw-events partition, a state store restored from the changelog partition
 * of the same number; per record, a diff against the stored state, change events, anomaly signals and the new
 * state, published at flush (see OutputBuffer for the order).
 */
export class DifferHandler implements RecordHandler {
  private readonly stores = new Map<number, PartitionStore>();
  private readonly normalizer: Normalizer;
  private readonly changes = new ChangeFactory();
  private readonly output: OutputBuffer;
  private restoring = 0;

  constructor(
    private readonly log: EventLog,
    private readonly options: ResolvedDifferOptions,
  ) {
    this.normalizer = new Normalizer({
      ignoreRules: options.ignoreRules,
      maxValueBytes: options.maxValueBytes,
    });
    this.output = new OutputBuffer(log, options.maxMessageBytes);
  }

  /** Ready when no partition is being restored. */
  get restoringPartitions(): number {
    return this.restoring;
  }

  get objectCount(): number {
    let n = 0;
    for (const s of this.stores.values()) n += s.size;
    return n;
  }

  async prepare(tp: TopicPartition, heartbeat: () => Promise<void>): Promise<void> {
    if (tp.topic !== TOPICS.rawEvents.name) return;
    this.restoring++;
    const end = restoreSeconds.startTimer();
    try {
      // Whatever an earlier attempt of the batch left unpublished will be produced again.
      this.output.clear();
      const store = new PartitionStore();
      let n = 0;
      for await (const r of this.log.readToEnd(TOPICS.objects.name, [tp.partition])) {
        if (r.key !== null) store.restore(r.key, r.value, r.headers);
        if (++n % 10_000 === 0) await heartbeat();
      }
      this.stores.set(tp.partition, store);
      stateObjects.set(this.objectCount);
      log[n > 0 ? 'info' : 'debug'](
        { partition: tp.partition, records: n, objects: store.size },
        'state restored from changelog',
      );
    } finally {
      end();
      this.restoring--;
    }
  }

  async release(tp: TopicPartition): Promise<void> {
    if (tp.topic !== TOPICS.rawEvents.name) return;
    this.stores.delete(tp.partition);
    stateObjects.set(this.objectCount);
  }

  async flush(): Promise<void> {
    await this.output.flush();
  }

  async handle(record: ConsumedRecord): Promise<void> {
    if (record.topic !== TOPICS.rawEvents.name) return;
    const event = decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, record.value);
    let store = this.stores.get(record.partition);
    if (!store) {
      store = new PartitionStore();
      this.stores.set(record.partition, store);
    }
    if (isSnapshotMarker(event)) {
      if (event.type === 'SNAPSHOT_END') {
        this.reconcileSnapshot(store, event, record);
        this.writeCheckpoint(store, event, record);
      }
      return;
    }
    if (this.options.ignoreKinds.has(event.ref.kind)) return;
    const key = record.key ?? objectKey(event.ref);
    const entry = store.get(key);
    // The changelog already holds this input's effect: the batch is being processed again after a failure.
    if (entry && entry.sourceOffset >= BigInt(record.offset)) return;
    try {
      this.apply(store, key, event, record);
    } catch (err) {
      if (err instanceof UndiffableObject) throw err;
      throw new UndiffableObject(
        `${displayRef(event.ref)}@${event.resourceVersion}: ${(err as Error).message}`,
      );
    }
  }

  private apply(store: PartitionStore, key: string, ev: RawObjectEvent, record: ConsumedRecord): void {
    const { ref } = ev;
    const raw = ev.object;
    if (!raw.metadata || typeof raw.metadata !== 'object')
      throw new UndiffableObject('object has no metadata');
    const offset = BigInt(record.offset);
    const stored = store.read(key);
    // A re-created object (same name, new uid) starts over: nothing of the old one carries over.
    const prev = stored && (!stored.ref.uid || !ref.uid || stored.ref.uid === ref.uid) ? stored : undefined;
    const reportable = this.reportsChanges(ref.kind, raw);

    if (ev.type === 'DELETED') {
      if (reportable)
        this.emitChange(
          this.changes.delete({
            ref,
            resourceVersion: ev.resourceVersion,
            observedAt: ev.observedAt,
            raw,
            whileAway: false,
          }),
        );
      this.writeTombstone(store, key, record.partition, offset, ev.observedAt);
      return;
    }

    const normalized =
      ref.kind === 'Event' ? eventEssentials(raw) : this.normalizer.normalize(raw, ref.group, ref.kind);
    const status = analyzeStatus({
      cluster: ev.cluster,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
      uid: ref.uid,
      object: raw,
      observedAt: ev.observedAt,
      previous: prev?.statusDigest,
    });
    for (const s of status.signals) this.emitAnomaly(s);

    const objectChanged = !prev || JSON.stringify(prev.object) !== JSON.stringify(normalized);
    if (reportable) {
      const whileAway = ev.type === 'SYNC';
      if (!prev) {
        if (ev.type === 'ADDED') {
          this.emitChange(
            this.changes.create({
              ref,
              resourceVersion: ev.resourceVersion,
              observedAt: ev.observedAt,
              raw,
              whileAway,
            }),
          );
        } else if (ev.type === 'SYNC' && this.createdWhileAway(store, raw, ev.observedAt)) {
          this.emitChange(
            this.changes.create({
              ref,
              resourceVersion: ev.resourceVersion,
              observedAt: ev.observedAt,
              raw,
              whileAway,
            }),
          );
        }
        // MODIFIED without state: the watch started mid-stream; there is nothing to diff against.
      } else if (objectChanged) {
        const diff = diffObjects(prev.object, normalized);
        if (diff) {
          this.emitChange(
            this.changes.update({
              ref,
              resourceVersion: ev.resourceVersion,
              observedAt: ev.observedAt,
              raw,
              diff,
              whileAway,
            }),
          );
        }
      }
    }

    const digestChanged = JSON.stringify(status.digest) !== JSON.stringify(prev?.statusDigest);
    const entry = store.get(key);
    const confirmed = ev.type === 'SYNC' && entry?.snapshotId !== ev.snapshotId;
    // Status-only churn with no new facts is not written: re-processing it yields the same (nothing).
    if (!prev || objectChanged || digestChanged || confirmed) {
      const state: ObjectState = {
        schemaVersion: 1,
        ref,
        resourceVersion: ev.resourceVersion,
        observedAt: ev.observedAt,
        snapshotId: ev.type === 'SYNC' ? ev.snapshotId : entry?.snapshotId,
        object: normalized,
        ...(status.digest ? { statusDigest: status.digest } : {}),
      };
      this.writeState(store, key, record.partition, offset, state);
    }
  }

  /** Objects of the resource that the snapshot did not list were deleted while nobody watched. */
  private reconcileSnapshot(store: PartitionStore, marker: SnapshotMarker, record: ConsumedRecord): void {
    const r = marker.resource;
    if (this.options.ignoreKinds.has(r.kind)) return;
    const prefix = `${marker.cluster}/${r.group || 'core'}/${r.kind}/`;
    const offset = BigInt(record.offset);
    for (const [key, entry] of store.entries) {
      if (
        !key.startsWith(prefix) ||
        entry.snapshotId === marker.snapshotId ||
        entry.observedAt >= marker.observedAt
      )
        continue;
      const prev = JSON.parse(entry.value) as ObjectState;
      if (this.reportsChanges(r.kind, prev.object)) {
        this.emitChange(
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
      this.writeTombstone(store, key, record.partition, offset, marker.observedAt);
    }
  }

  /**
   * Records in the changelog partition that this partition saw a complete snapshot, so that after a restart even
   * a partition holding no object knows "when" it last knew the cluster (objects created later were created
   * while away). A valid ObjectState of kind DifferCheckpoint, flagged by a header for readers to skip.
   */
  private writeCheckpoint(store: PartitionStore, marker: SnapshotMarker, record: ConsumedRecord): void {
    const name = `partition-${record.partition}`;
    const ref = {
      cluster: marker.cluster,
      group: CHECKPOINT_GROUP,
      version: 'v1',
      kind: CHECKPOINT_KIND,
      resource: 'differcheckpoints',
      namespace: null,
      name,
    };
    const state: ObjectState = {
      schemaVersion: 1,
      ref,
      resourceVersion: '0',
      observedAt: marker.observedAt,
      snapshotId: marker.snapshotId,
      object: {
        lastSnapshot: {
          group: marker.resource.group,
          kind: marker.resource.kind,
          snapshotId: marker.snapshotId,
        },
      },
    };
    this.writeState(store, objectKey(ref), record.partition, BigInt(record.offset), state, {
      [CHECKPOINT_HEADER]: '1',
    });
  }

  private createdWhileAway(store: PartitionStore, raw: Record<string, unknown>, observedAt: string): boolean {
    const known = store.knownBefore(observedAt);
    const created = (raw.metadata as { creationTimestamp?: string }).creationTimestamp;
    return !!known && !!created && Date.parse(created) > Date.parse(known);
  }

  private reportsChanges(kind: string, object: Record<string, unknown>): boolean {
    if (kind === 'Event') return false;
    return !(this.options.controllerOwnedKinds.has(kind) && controllerOwner(object));
  }

  private emitChange(change: ChangeEvent): void {
    const value = encodeChangeWithinLimit(change, this.options.maxMessageBytes);
    this.output.addChange({
      key: objectKey(change.ref),
      value,
      headers: cloudEventHeaders({
        id: change.changeId,
        type: CE_TYPES.change,
        source: this.options.source,
        time: change.changedAt,
      }),
    });
    changesTotal.inc({ class: change.classes[0] });
    if (this.options.logChanges) {
      log.info(
        {
          changeId: change.changeId,
          ref: displayRef(change.ref),
          cluster: change.ref.cluster,
          operation: change.operation,
          classes: change.classes,
          risk: change.risk,
          actor: change.actor,
          whileAway: change.whileAway,
          paths: change.paths.slice(0, 20).map((p) => `${p.op} ${p.path}`),
        },
        change.summary,
      );
    }
  }

  private emitAnomaly(s: AnomalySignal): void {
    const about = s.workload ?? s.subject;
    const group = APPS_KINDS.has(about.kind) ? 'apps' : (about.group ?? '');
    this.output.addAnomaly({
      key: objectKey({
        cluster: s.cluster,
        group,
        kind: about.kind,
        namespace: about.namespace ?? null,
        name: about.name,
      }),
      value: encodeMessage(s),
      headers: cloudEventHeaders({
        id: s.anomalyId,
        type: CE_TYPES.anomaly,
        source: this.options.source,
        time: s.observedAt,
      }),
    });
    anomaliesTotal.inc({ reason: s.reason });
  }

  private writeState(
    store: PartitionStore,
    key: string,
    partition: number,
    offset: bigint,
    state: ObjectState,
    extraHeaders: Record<string, string> = {},
  ): void {
    const value = encodeMessage(state);
    const headers = {
      ...cloudEventHeaders({
        id: stableId(key, state.resourceVersion),
        type: CE_TYPES.objectState,
        source: this.options.source,
        time: state.observedAt,
      }),
      [STATE_HEADERS.sourceOffset]: offset.toString(),
      [STATE_HEADERS.observedAt]: state.observedAt,
      ...(state.snapshotId ? { [STATE_HEADERS.snapshotId]: state.snapshotId } : {}),
      ...extraHeaders,
    };
    this.output.addState({ key, value, partition, headers });
    store.put(key, {
      value,
      sourceOffset: offset,
      snapshotId: state.snapshotId,
      observedAt: state.observedAt,
    });
  }

  private writeTombstone(
    store: PartitionStore,
    key: string,
    partition: number,
    offset: bigint,
    observedAt: string,
  ): void {
    this.output.addState({
      key,
      value: null,
      partition,
      headers: { [STATE_HEADERS.sourceOffset]: offset.toString(), [STATE_HEADERS.observedAt]: observedAt },
    });
    store.delete(key, observedAt);
  }
}
