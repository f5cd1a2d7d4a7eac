import {
  CE_TYPES,
  displayRef,
  encodeMessage,
  anomalyKey,
  objectKey,
  stableId,
  type AnomalySignal,
  type ChangeEvent,
  type ObjectState,
} from '#contracts';
import { toLogRecord, type EventLog } from '#kafka';
import { componentLogger, counter } from '#observability';
import type { ResolvedDifferOptions } from './differ.options.js';
import { encodeChangeWithinLimit, OutputBuffer } from './output-buffer.js';
import { intern } from './state/intern.js';
import { STATE_HEADERS, type PartitionStore } from './state/partition-store.js';
import { stateText } from './state/state-text.js';

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

/** A new state: the ObjectState without its object, which comes as the JSON text already serialized. */
export interface NewState {
  state: Omit<ObjectState, 'object'>;
  objectText: string;
  objectDigest: string;
  /** JSON text of `state.statusDigest`, '' when none. */
  statusText: string;
}

/**
 * What the differ produces, as records in one OutputBuffer per raw-events partition (published at that
 * partition's flush), and the matching state-store updates: a state is put in the store exactly when its
 * changelog record is buffered. Per partition, because batches of several partitions are in hand at once: a
 * partition's flush must publish its own batch's output, and its failure must drop only that.
 */
export class DifferOutput {
  private readonly buffers = new Map<number, OutputBuffer>();

  constructor(
    private readonly eventLog: EventLog,
    private readonly options: ResolvedDifferOptions,
  ) {}

  private buffer(partition: number): OutputBuffer {
    let b = this.buffers.get(partition);
    if (!b) {
      b = new OutputBuffer(this.eventLog, this.options.maxMessageBytes);
      this.buffers.set(partition, b);
    }
    return b;
  }

  /** Publishes what the partition's batch produced; without a partition, every partition's. */
  async flush(partition?: number): Promise<void> {
    if (partition !== undefined) await this.buffers.get(partition)?.flush();
    else for (const b of this.buffers.values()) await b.flush();
  }

  /** Drops what a failed batch of the partitions produced: it will be produced again. */
  clear(partitions: readonly number[]): void {
    for (const p of partitions) this.buffers.delete(p);
  }

  change(partition: number, change: ChangeEvent): void {
    // Bytes, not text: the producer then copies them instead of measuring and writing the text (two passes), and
    // the buffer's size accounting reads their length.
    const value = Buffer.from(encodeChangeWithinLimit(change, this.options.maxMessageBytes));
    this.buffer(partition).addChange(
      toLogRecord(value, {
        key: objectKey(change.ref),
        type: CE_TYPES.change,
        source: this.options.source,
        id: change.changeId,
        time: change.changedAt,
      }),
    );
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

  anomaly(partition: number, s: AnomalySignal): void {
    this.buffer(partition).addAnomaly(
      toLogRecord(Buffer.from(encodeMessage(s)), {
        key: anomalyKey(s),
        type: CE_TYPES.anomaly,
        source: this.options.source,
        id: s.anomalyId,
        time: s.observedAt,
      }),
    );
    anomaliesTotal.inc({ reason: s.reason });
  }

  state(
    store: PartitionStore,
    key: string,
    partition: number,
    offset: number,
    next: NewState,
    extraHeaders: Record<string, string> = {},
  ): void {
    const { state } = next;
    const value = stateText(state, next.objectText);
    this.buffer(partition).addState(key, () =>
      toLogRecord(Buffer.from(value), {
        key,
        type: CE_TYPES.objectState,
        source: this.options.source,
        id: stableId(key, state.resourceVersion),
        time: state.observedAt,
        partition,
        headers: {
          [STATE_HEADERS.sourceOffset]: String(offset),
          [STATE_HEADERS.observedAt]: state.observedAt,
          ...(state.snapshotId ? { [STATE_HEADERS.snapshotId]: state.snapshotId } : {}),
          [STATE_HEADERS.objectDigest]: next.objectDigest,
          [STATE_HEADERS.statusDigest]: next.statusText,
          ...extraHeaders,
        },
      }),
    );
    store.put(key, {
      value,
      sourceOffset: offset,
      snapshotId: state.snapshotId,
      observedAt: state.observedAt,
      objectDigest: next.objectDigest,
      statusDigest: intern(next.statusText),
    });
  }

  tombstone(store: PartitionStore, key: string, partition: number, offset: number, observedAt: string): void {
    this.buffer(partition).addState(key, () => ({
      key,
      value: null,
      partition,
      headers: { [STATE_HEADERS.sourceOffset]: String(offset), [STATE_HEADERS.observedAt]: observedAt },
    }));
    store.delete(key, observedAt);
  }
}
