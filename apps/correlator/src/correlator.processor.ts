import {
  BOOKKEEPING_HEADER,
  AnomalySignalSchema,
  ChangeEventSchema,
  decodeMessage,
  ObjectStateSchema,
  TOPICS,
} from '#contracts';
import { IdleWarmer, type CorrelationEngine, type IdleWarmerOptions } from '#correlation';
import type { ConsumedRecord, ConsumerHandle, EventLog, RecordHandler } from '#kafka';
import { componentLogger } from '#observability';

const log = componentLogger('correlator-processor');

export interface CorrelatorProcessorOptions {
  /** Consumer group. Default `ia-correlator`. */
  groupId?: string;
  /** How many change/anomaly ids are remembered for de-duplication. Default 200 000. */
  dedupeCapacity?: number;
  /** When the engine's query caches are warmed (see IdleWarmer). */
  warming?: IdleWarmerOptions;
}

/** Remembers recently seen ids (re-deliveries after a rebalance or a retried batch) with bounded memory. */
class SeenIds {
  private readonly ids = new Set<string>();
  constructor(private readonly capacity: number) {}
  /** True the first time an id is offered. */
  add(id: string): boolean {
    if (this.ids.has(id)) return false;
    this.ids.add(id);
    if (this.ids.size > this.capacity) {
      // Sets iterate in insertion order: drop the oldest tenth.
      let drop = Math.ceil(this.capacity / 10);
      for (const old of this.ids) {
        if (drop-- <= 0) break;
        this.ids.delete(old);
      }
    }
    return true;
  }
}

/**
 * Feeds the correlation engine from the log: the objects changelog (compacted; a tombstone removes the object)
 * keeps the dependency graph current, changes and anomalies become graph annotations. One consumer group over the
 * three topics; a change or anomaly delivered twice is applied once.
 */
export class CorrelatorProcessor {
  readonly groupId: string;
  private consumer?: ConsumerHandle;
  private readonly changeIds: SeenIds;
  private readonly anomalyIds: SeenIds;
  private readonly warmer: IdleWarmer;

  constructor(
    private readonly log: EventLog,
    private readonly engine: CorrelationEngine,
    options: CorrelatorProcessorOptions = {},
  ) {
    this.groupId = options.groupId ?? 'ia-correlator';
    this.changeIds = new SeenIds(options.dedupeCapacity ?? 200_000);
    this.anomalyIds = new SeenIds(options.dedupeCapacity ?? 200_000);
    this.warmer = new IdleWarmer(engine, options.warming);
  }

  static readonly TOPICS = [TOPICS.objects.name, TOPICS.changes.name, TOPICS.anomalies.name] as const;

  async start(): Promise<void> {
    if (this.consumer) return;
    await this.log.ensureTopics([TOPICS.objects, TOPICS.changes, TOPICS.anomalies, TOPICS.deadLetter]);
    const handler: RecordHandler = { handle: async (record) => this.apply(record) };
    this.consumer = await this.log.consume({
      groupId: this.groupId,
      topics: CorrelatorProcessor.TOPICS,
      handler,
    });
    this.warmer.start();
    log.info({ groupId: this.groupId, log: this.log.kind }, 'correlator processor started');
  }

  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.warmer.stop();
    if (consumer) await consumer.stop();
  }

  /** Applies one record; malformed values throw ContractViolation, which the batch runner dead-letters. */
  apply(record: ConsumedRecord): void {
    this.warmer.touch();
    switch (record.topic) {
      case TOPICS.objects.name: {
        if (record.key === null || record.headers[BOOKKEEPING_HEADER]) return;
        const state =
          record.value === null ? null : decodeMessage('ObjectState', ObjectStateSchema, record.value);
        this.engine.applyObject(record.key, state);
        return;
      }
      case TOPICS.changes.name: {
        const change = decodeMessage('ChangeEvent', ChangeEventSchema, record.value);
        if (this.changeIds.add(change.changeId)) this.engine.applyChange(change);
        return;
      }
      case TOPICS.anomalies.name: {
        const anomaly = decodeMessage('AnomalySignal', AnomalySignalSchema, record.value);
        if (this.anomalyIds.add(anomaly.anomalyId)) this.engine.applyAnomaly(anomaly);
        return;
      }
    }
  }
}
