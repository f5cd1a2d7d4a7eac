import {
  CE_TYPES,
  encodeMessage,
  objectKey,
  snapshotMarkerKey,
  TOPICS,
  type RawObjectEvent,
  type SnapshotMarker,
} from '#contracts';
import { toLogRecord, type EventLog, type LogRecord } from '#kafka';

/** The record of one object event: keyed by the object's identity, serialized, with CloudEvents headers. */
export function objectRecord(e: RawObjectEvent, source: string): LogRecord {
  return toLogRecord(encodeMessage(e), {
    key: objectKey(e.ref),
    type: CE_TYPES.rawEvent,
    source,
    id: e.eventId,
    time: e.observedAt,
  });
}

/**
 * Turns raw events into keyed Kafka records: object events keyed by object identity, snapshot markers copied
 * to every partition (see SnapshotMarkerSchema for why).
 */
export class RawEventPublisher {
  private partitions?: number;

  constructor(
    private readonly log: EventLog,
    private readonly source: string,
  ) {}

  objectRecord(e: RawObjectEvent): LogRecord {
    return objectRecord(e, this.source);
  }

  async markerRecords(m: SnapshotMarker): Promise<LogRecord[]> {
    this.partitions ??= await this.log.partitionCount(TOPICS.rawEvents.name);
    const record = toLogRecord(encodeMessage(m), {
      key: snapshotMarkerKey(m.cluster, m.resource),
      type: CE_TYPES.rawEvent,
      source: this.source,
      id: m.eventId,
      time: m.observedAt,
    });
    // One value and one set of headers, shared by the copies.
    return Array.from({ length: this.partitions }, (_, partition) => ({ ...record, partition }));
  }

  async publish(records: readonly LogRecord[]): Promise<void> {
    await this.log.publish(TOPICS.rawEvents.name, records);
  }
}
