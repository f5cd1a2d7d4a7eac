import {
  decodeMessage,
  displayRef,
  isSnapshotMarker,
  objectKey,
  RawLifecycleEventSchema,
  TOPICS,
  type ObjectState,
  type RawObjectEvent,
  type WriterStamp,
} from '#contracts';
import { analyzeStatus, diffObjects, Normalizer, writerStamps } from '#diff';
import type { ConsumedRecord, EventLog, RecordHandler, TopicPartition } from '#kafka';
import { componentLogger, gauge, histogram } from '#observability';
import { ChangeFactory } from './change.factory.js';
import { ChangeScope, eventEssentials } from './change-scope.js';
import { SnapshotEnd } from './snapshot-end.js';
import { DifferOutput } from './differ.output.js';
import type { ResolvedDifferOptions } from './differ.options.js';
import { ChangeloggingStore, type NewState } from './state/changelogging-store.js';
import { PartitionStore } from './state/partition-store.js';
import { restoreStores } from './state/state-restore.js';
import { objectDigest } from './state/state-text.js';
import { UndiffableObject } from './undiffable-object.error.js';

export { CHECKPOINT_GROUP, CHECKPOINT_HEADER, CHECKPOINT_KIND } from './state/checkpoint.js';

const log = componentLogger('differ');
const stateObjects = gauge({
  name: 'ia_differ_state_objects',
  help: 'Objects in the differ state of this instance.',
});
const restoreSeconds = histogram({
  name: 'ia_differ_restore_seconds',
  help: 'Time to rebuild state from the changelog, per restore (all partitions assigned together).',
  buckets: [0.01, 0.1, 0.5, 1, 5, 15, 60],
});

/** An object as this batch left it: valid while the store's digest for its key is `digest`. */
interface BatchObject {
  digest: string;
  refUid?: string;
  object: Record<string, unknown>;
  writers?: WriterStamp[];
}

/**
 * The differ's record handler: per raw-events partition, a state store restored from the changelog partition
 * of the same number; per record, a diff against the stored state, change events, anomaly signals and the new
 * state, published at flush (see flush for the order).
 */
export class DifferHandler implements RecordHandler {
  private readonly stores = new Map<number, ChangeloggingStore>();
  private readonly normalizer: Normalizer;
  private readonly changes = new ChangeFactory();
  private readonly output: DifferOutput;
  private readonly scope: ChangeScope;
  private readonly snapshotEnd: SnapshotEnd;
  private restoring = 0;
  /**
   * Per partition, the objects this batch changed, parsed (see ChangeloggingStore: the batch's last state per
   * key). An object changed again in the same batch (a rollout edits a Deployment several times; a backlog holds
   * many edits of one object) is diffed against it instead of parsing the state's text again. Dropped at flush.
   */
  private readonly batchObjects = new Map<number, Map<string, BatchObject>>();

  constructor(
    private readonly log: EventLog,
    private readonly options: ResolvedDifferOptions,
  ) {
    this.normalizer = new Normalizer({
      ignoreRules: options.ignoreRules,
      maxValueBytes: options.maxValueBytes,
    });
    this.output = new DifferOutput(log, options);
    this.scope = new ChangeScope(options);
    this.snapshotEnd = new SnapshotEnd(this.output, this.changes, this.scope, options);
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

  prepare(tp: TopicPartition, heartbeat: () => Promise<void>): Promise<void> {
    return this.prepareAll([tp], heartbeat);
  }

  async prepareAll(tps: readonly TopicPartition[], heartbeat: () => Promise<void>): Promise<void> {
    const partitions = tps.filter((tp) => tp.topic === TOPICS.rawEvents.name).map((tp) => tp.partition);
    if (partitions.length === 0) return;
    this.restoring += partitions.length;
    const end = restoreSeconds.startTimer();
    try {
      // Whatever an earlier attempt of the batch left unpublished will be produced again (the changelog it
      // buffered goes with the stores the restored ones replace).
      this.output.clear(partitions);
      for (const p of partitions) this.batchObjects.delete(p);
      const { stores, records } = await restoreStores(this.log, partitions, heartbeat);
      for (const [p, store] of stores) this.stores.set(p, this.changelogging(p, store));
      stateObjects.set(this.objectCount);
      log[records > 0 ? 'info' : 'debug'](
        { partitions, records, objects: [...stores.values()].reduce((n, s) => n + s.size, 0) },
        'state restored from changelog',
      );
    } finally {
      end();
      this.restoring -= partitions.length;
    }
  }

  async release(tp: TopicPartition): Promise<void> {
    if (tp.topic !== TOPICS.rawEvents.name) return;
    this.stores.delete(tp.partition);
    this.output.clear([tp.partition]);
    this.batchObjects.delete(tp.partition);
    stateObjects.set(this.objectCount);
  }

  /**
   * Publishes the output of `tp`'s batch (batches of several partitions are in hand at once); without `tp`, all.
   * In the order that makes a crash safe: changes and anomalies first, the changelog last. If the process dies in
   * between, the state was not advanced, the batch is processed again and yields the same deterministic ids,
   * which consumers dedupe. Offsets are committed after all of it.
   */
  async flush(tp?: TopicPartition): Promise<void> {
    if (tp && tp.topic !== TOPICS.rawEvents.name) return;
    if (tp) this.batchObjects.delete(tp.partition);
    else this.batchObjects.clear();
    await this.output.flush(tp?.partition);
    if (tp) await this.stores.get(tp.partition)?.flush();
    else for (const store of this.stores.values()) await store.flush();
  }

  async handle(record: ConsumedRecord): Promise<void> {
    if (record.topic !== TOPICS.rawEvents.name) return;
    const event = decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, record.value);
    let store = this.stores.get(record.partition);
    if (!store) {
      store = this.changelogging(record.partition, new PartitionStore());
      this.stores.set(record.partition, store);
    }
    if (isSnapshotMarker(event)) {
      if (event.type === 'SNAPSHOT_END') {
        this.snapshotEnd.apply(store, event, record);
      }
      return;
    }
    if (this.options.ignoreKinds.has(event.ref.kind)) return;
    const key = record.key ?? objectKey(event.ref);
    const entry = store.get(key);
    // The changelog already holds this input's effect: the batch is being processed again after a failure.
    if (entry && entry.sourceOffset >= Number(record.offset)) return;
    try {
      this.apply(store, key, event, record);
    } catch (err) {
      if (err instanceof UndiffableObject) throw err;
      throw new UndiffableObject(
        `${displayRef(event.ref)}@${event.resourceVersion}: ${(err as Error).message}`,
      );
    }
  }

  private apply(store: ChangeloggingStore, key: string, ev: RawObjectEvent, record: ConsumedRecord): void {
    const { ref } = ev;
    const raw = ev.object;
    if (!raw.metadata || typeof raw.metadata !== 'object')
      throw new UndiffableObject('object has no metadata');
    const offset = Number(record.offset);
    const reportable = this.scope.reportsChanges(ref.kind, raw);
    const entry = store.get(key);

    if (ev.type === 'DELETED') {
      if (reportable)
        this.output.change(
          record.partition,
          this.changes.delete({
            ref,
            resourceVersion: ev.resourceVersion,
            observedAt: ev.observedAt,
            raw,
            whileAway: false,
          }),
        );
      store.delete(key, offset, ev.observedAt);
      return;
    }

    const normalized =
      ref.kind === 'Event' ? eventEssentials(raw) : this.normalizer.normalize(raw, ref.group, ref.kind);
    // Serialized once: for the digest, the comparison with the state and the changelog value.
    const objectText = JSON.stringify(normalized);
    const digest = objectDigest(objectText);
    const known = entry && store.digested(entry);
    // Equal text means equal metadata.uid, so the stored state is this object's (not a re-created namesake's)
    // when its uid is the ref's: then nothing needs the stored value parsed.
    const sameText =
      known?.objectDigest === digest &&
      (normalized.metadata as { uid?: unknown } | undefined)?.uid === ref.uid;
    let batch = this.batchObjects.get(record.partition);
    if (!batch) this.batchObjects.set(record.partition, (batch = new Map()));
    const inBatch = batch.get(key);
    const stored =
      known && !sameText
        ? inBatch && inBatch.digest === known.objectDigest
          ? { ref: { uid: inBatch.refUid }, object: inBatch.object, writers: inBatch.writers }
          : (JSON.parse(known.value) as ObjectState)
        : undefined;
    // A re-created object (same name, new uid) starts over: nothing of the old one carries over.
    const prevValid = sameText || (stored && (!stored.ref.uid || !ref.uid || stored.ref.uid === ref.uid));
    const prevStatusText = prevValid ? known!.statusDigest : undefined;

    const status = analyzeStatus({
      cluster: ev.cluster,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
      uid: ref.uid,
      object: raw,
      observedAt: ev.observedAt,
      previous: prevStatusText ? (JSON.parse(prevStatusText) as Record<string, unknown>) : undefined,
    });
    for (const s of status.signals) this.output.anomaly(record.partition, s);

    const objectChanged = !prevValid || known!.objectDigest !== digest;
    if (reportable)
      this.reportChange(
        store,
        record.partition,
        ev,
        raw,
        prevValid ? stored : undefined,
        !!prevValid,
        objectChanged,
        normalized,
      );

    const statusText = status.digest ? JSON.stringify(status.digest) : '';
    const digestChanged = statusText !== (prevStatusText ?? '');
    const confirmed = ev.type === 'SYNC' && entry?.snapshotId !== ev.snapshotId;
    const written = !prevValid || objectChanged || digestChanged || confirmed;
    // Who wrote which fields, kept with each state for the next version's actor (see attributeActor): only for
    // objects whose changes are reported, and only when a state is written.
    const writers = reportable && written ? writerStamps(raw) : undefined;
    if (objectChanged) batch.set(key, { digest, refUid: ref.uid, object: normalized, writers });
    else if (writers && inBatch?.digest === digest) inBatch.writers = writers;

    // Status-only churn with no new facts is not written: re-processing it yields the same (nothing).
    if (written) {
      const state: NewState['state'] = {
        schemaVersion: 1,
        ref,
        resourceVersion: ev.resourceVersion,
        observedAt: ev.observedAt,
        snapshotId: ev.type === 'SYNC' ? ev.snapshotId : entry?.snapshotId,
        ...(status.digest ? { statusDigest: status.digest } : {}),
        ...(writers ? { writers } : {}),
      };
      store.put(key, offset, { state, objectText, objectDigest: digest, statusText });
    }
  }

  /** The change event of a create or update, if any; `prev` is the parsed state when the object changed. */
  private reportChange(
    store: ChangeloggingStore,
    partition: number,
    ev: RawObjectEvent,
    raw: Record<string, unknown>,
    prev: { object: Record<string, unknown>; writers?: WriterStamp[] } | undefined,
    hasPrev: boolean,
    objectChanged: boolean,
    normalized: Record<string, unknown>,
  ): void {
    const base = { ref: ev.ref, resourceVersion: ev.resourceVersion, observedAt: ev.observedAt, raw };
    const whileAway = ev.type === 'SYNC';
    if (!hasPrev) {
      if (ev.type === 'ADDED' || (ev.type === 'SYNC' && this.createdWhileAway(store, raw, ev.observedAt))) {
        this.output.change(partition, this.changes.create({ ...base, whileAway }));
      }
      // MODIFIED without state: the watch started mid-stream; there is nothing to diff against.
      return;
    }
    if (!objectChanged || !prev) return;
    const diff = diffObjects(prev.object, normalized);
    if (diff)
      this.output.change(
        partition,
        this.changes.update({ ...base, diff, whileAway, previousWriters: prev.writers }),
      );
  }

  private createdWhileAway(
    store: ChangeloggingStore,
    raw: Record<string, unknown>,
    observedAt: string,
  ): boolean {
    const known = store.knownBefore(observedAt);
    const created = (raw.metadata as { creationTimestamp?: string }).creationTimestamp;
    return !!known && !!created && Date.parse(created) > Date.parse(known);
  }

  /** A partition's store, logging its writes to the changelog partition of the same number. */
  private changelogging(partition: number, store: PartitionStore): ChangeloggingStore {
    return new ChangeloggingStore(store, partition, this.log, this.options);
  }
}
