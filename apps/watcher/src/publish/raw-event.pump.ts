import {
  CE_TYPES,
  cloudEventHeaders,
  DLQ_HEADERS,
  encodeMessage,
  objectKey,
  stableId,
  TOPICS,
  type RawObjectEvent,
} from '#contracts';
import { backoffDelay, DEAD_LETTER_TOPIC, sleep, type EventLog, type LogRecord } from '#kafka';
import type { SecretRedactor } from '#kube';
import { componentLogger } from '#observability';
import type { BoundedBuffer } from '../buffer/bounded-buffer.js';
import type { WatchItem } from '../buffer/watch-item.js';
import { resourceId } from '../discovery/api-discovery.js';
import { watcherMetrics as m } from '../metrics/watcher.metrics.js';
import { rawObjectEvent, snapshotMarker } from './raw-event.factory.js';
import { RawEventPublisher } from './raw-event.publisher.js';

const log = componentLogger('watcher-publisher');

/** Key, value and headers around the value, plus Kafka's per-record overhead. */
const RECORD_OVERHEAD_BYTES = 512;

export interface RawEventPumpOptions {
  cluster: string;
  redactor: SecretRedactor;
  /** The broker's message.max.bytes: larger records are dead-lettered, and a publish call stays under it. */
  maxMessageBytes: number;
  /** Most items per publish call. */
  batchSize: number;
}

type Rejection = { reason: 'oversized' | 'unserializable' | 'no-identity'; detail: string };

/**
 * Drains the buffer into the raw-events topic, in order: redacts Secrets (and matching ConfigMap keys) before
 * anything is serialized, turns items into keyed records (markers to every partition), and publishes in batches.
 * An object that cannot be published (too big, not serializable, nameless) goes to the dead-letter topic as its
 * identity and the reason, never its body. A failing publish is retried without end: meanwhile the buffer fills
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
        const size = records.reduce((n, r) => n + recordBytes(r), 0);
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
    const { cluster } = this.options;
    if (item.kind === 'marker') {
      return this.publisher.markerRecords(snapshotMarker({ cluster, ...item }));
    }
    let event: RawObjectEvent | undefined;
    try {
      const object = this.options.redactor.redact(item.object);
      event = rawObjectEvent({ cluster, ...item, object });
      if (!event.ref.name)
        return this.reject(item, event, { reason: 'no-identity', detail: 'object has no metadata.name' });
      const record = this.publisher.objectRecord(event);
      const size = recordBytes(record);
      if (size > this.options.maxMessageBytes) {
        return this.reject(item, event, {
          reason: 'oversized',
          detail: `record of ${size} bytes is over the broker's limit of ${this.options.maxMessageBytes}`,
        });
      }
      return [record];
    } catch (err) {
      return this.reject(item, event, { reason: 'unserializable', detail: String(err) });
    }
  }

  /**
   * Publishes the dead-letter record (identity, type and reason only: the body, maybe huge, maybe secret, stays
   * out) and returns no raw-events record.
   */
  private async reject(
    item: Extract<WatchItem, { kind: 'object' }>,
    event: RawObjectEvent | undefined,
    why: Rejection,
  ): Promise<LogRecord[]> {
    const resource = resourceId(item.resource);
    m.rejected.inc({ resource, reason: why.reason });
    const md = item.object.metadata ?? {};
    const identity = {
      cluster: this.options.cluster,
      resource,
      kind: item.resource.kind,
      namespace: typeof md.namespace === 'string' ? md.namespace : null,
      name: typeof md.name === 'string' ? md.name : null,
      uid: typeof md.uid === 'string' ? md.uid : undefined,
      resourceVersion: typeof md.resourceVersion === 'string' ? md.resourceVersion : undefined,
    };
    log.warn(
      { ...identity, type: item.type, reason: why.reason, detail: why.detail },
      'object not published; dead-lettered',
    );
    const key = event?.ref.name ? objectKey(event.ref) : null;
    const id = stableId(
      this.options.cluster,
      identity.uid ?? identity.name,
      identity.resourceVersion,
      item.type,
      'rejected',
    );
    const record: LogRecord = {
      key,
      value: encodeMessage({
        ...identity,
        type: item.type,
        observedAt: item.observedAt,
        reason: why.reason,
        detail: why.detail,
      }),
      headers: {
        ...cloudEventHeaders({
          id,
          type: CE_TYPES.rawEvent,
          source: `watcher/${this.options.cluster}`,
          time: item.observedAt,
        }),
        [DLQ_HEADERS.reason]: `${why.reason}: ${why.detail}`.slice(0, 2_000),
        [DLQ_HEADERS.sourceTopic]: TOPICS.rawEvents.name,
        [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      },
    };
    await this.publish([record], DEAD_LETTER_TOPIC);
    return [];
  }
}

function recordBytes(r: LogRecord): number {
  const value =
    r.value === null ? 0 : typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.length;
  let headers = 0;
  for (const [k, v] of Object.entries(r.headers ?? {})) headers += k.length + v.length;
  return value + (r.key?.length ?? 0) + headers + RECORD_OVERHEAD_BYTES;
}
