import {
  CE_TYPES,
  displayRef,
  encodeMessage,
  anomalyKey,
  objectKey,
  type AnomalySignal,
  type ChangeEvent,
} from '#contracts';
import { toLogRecord, type EventLog } from '#kafka';
import { componentLogger, counter } from '#observability';
import type { ResolvedDifferOptions } from './differ.options.js';
import { encodeChangeWithinLimit, OutputBuffer } from './output-buffer.js';

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

/**
 * The change events and anomaly signals the differ produces, as records in one OutputBuffer per raw-events
 * partition (published at that partition's flush; the state store buffers its changelog itself, see
 * ChangeloggingStore). Per partition, because batches of several partitions are in hand at once: a partition's
 * flush must publish its own batch's output, and its failure must drop only that.
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
}
