import { CE_TYPES, DLQ_HEADERS, encodeMessage, snapshotMarker, stableId, TOPICS } from '#contracts';
import { backoffDelay, DEAD_LETTER_TOPIC, sleep, toLogRecord, type EventLog, type LogRecord } from '#kafka';
import { componentLogger } from '#observability';
import type { BoundedBuffer } from '../buffer/bounded-buffer.js';
import type { RejectedItem, WatchItem } from '../buffer/watch-item.js';
import { resourceId } from '../discovery/api-discovery.js';
import { watcherMetrics as m } from '../metrics/watcher.metrics.js';
import { recordBytes } from './raw-event.encoder.js';
import { RawEventPublisher } from './raw-event.publisher.js';

const log = componentLogger('watcher-publisher');

export interface RawEventPumpOptions {
  cluster: string;
  /** The broker's message.max.bytes: a publish call stays under it. */
  maxMessageBytes: number;
  /** Most items per publish call. */
  batchSize: number;
}

/**
 * Drains the buffer into the raw-events topic, in order: object records come encoded (and redacted) by the
 * RawEventEncoder, markers are copied to every partition, and everything is published in batches. An object the
 * encoder rejected (too big, not serializable, nameless) goes to the dead-letter topic as its identity and the
 * reason, never its body. A failing publish is retried without end: meanwhile the buffer fills
 * and the watches pause, so nothing is dropped.
 */
export class RawEventPump {
  private readonly publisher: RawEventPublisher;
  private running?: Promise<void>;
  private stopping = false;
  private readonly abort = new AbortController();

  constructor(
    private readonly log: EventLog,
    private readonly buffer: BoundedBuffer<WatchItem>,
    private readonly options: RawEventPumpOptions,
  ) {
    this.publisher = new RawEventPublisher(log, `watcher/${options.cluster}`);
  }

  start(): void {
    this.running ??= this.run();
  }

  /** Publishes what is buffered (giving up on a broker that stays down past `deadlineMs`), then resolves. */
  async stop(deadlineMs = 10_000): Promise<void> {
    this.stopping = true;
    this.buffer.close();
    const timer = setTimeout(() => this.abort.abort(), deadlineMs);
    await this.running;
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    for (;;) {
      const items = await this.buffer.take(this.options.batchSize);
      if (items.length === 0) return;
      let batch: LogRecord[] = [];
      let bytes = 0;
      for (const item of items) {
        const records = await this.toRecords(item);
        const size = item.kind === 'record' ? item.bytes : records.reduce((n, r) => n + recordBytes(r), 0);
        if (batch.length && bytes + size > this.options.maxMessageBytes) {
          await this.publish(batch);
          batch = [];
          bytes = 0;
        }
        batch.push(...records);
        bytes += size;
      }
      await this.publish(batch);
      if (this.abort.signal.aborted) {
        log.error(
          { dropped: this.buffer.depth },
          'stopped with unpublished events; the next start lists everything again',
        );
        return;
      }
    }
  }

  private async publish(records: LogRecord[], topic: string = TOPICS.rawEvents.name): Promise<void> {
    for (let attempt = 0; records.length && !this.abort.signal.aborted; attempt++) {
      const end = m.publishSeconds.startTimer();
      try {
        await this.log.publish(topic, records);
        end();
        if (topic === TOPICS.rawEvents.name) m.published.inc(records.length);
        return;
      } catch (err) {
        log.warn(
          { attempt, records: records.length, err: String(err) },
          'publishing raw events failed; retrying',
        );
        await sleep(backoffDelay(attempt, { initialMs: 200, maxMs: 10_000 }), this.abort.signal);
      }
    }
  }

  private async toRecords(item: WatchItem): Promise<LogRecord[]> {
    if (item.kind === 'record') return [item.record];
    if (item.kind === 'rejected') {
      await this.deadLetter(item);
      return [];
    }
    return this.publisher.markerRecords(snapshotMarker({ cluster: this.options.cluster, ...item }));
  }

  /**
   * Publishes the dead-letter record (identity, type and reason only: the body, maybe huge, maybe secret, stays
   * out).
   */
  private async deadLetter(item: RejectedItem): Promise<void> {
    const resource = resourceId(item.resource);
    m.rejected.inc({ resource, reason: item.reason });
    const identity = { cluster: this.options.cluster, resource, kind: item.resource.kind, ...item.identity };
    log.warn(
      { ...identity, type: item.type, reason: item.reason, detail: item.detail },
      'object not published; dead-lettered',
    );
    const id = stableId(
      this.options.cluster,
      identity.uid ?? identity.name,
      identity.resourceVersion,
      item.type,
      'rejected',
    );
    const message = encodeMessage({
      ...identity,
      type: item.type,
      observedAt: item.observedAt,
      reason: item.reason,
      detail: item.detail,
    });
    const record = toLogRecord(message, {
      key: item.key,
      type: CE_TYPES.rawEvent,
      source: `watcher/${this.options.cluster}`,
      id,
      time: item.observedAt,
      headers: {
        [DLQ_HEADERS.reason]: `${item.reason}: ${item.detail}`.slice(0, 2_000),
        [DLQ_HEADERS.sourceTopic]: TOPICS.rawEvents.name,
        [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      },
    });
    await this.publish([record], DEAD_LETTER_TOPIC);
  }
}
