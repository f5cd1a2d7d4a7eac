import {
  CE_TYPES,
  cloudEventHeaders,
  encodeMessage,
  objectKey,
  snapshotMarkerKey,
  TOPICS,
  type RawObjectEvent,
  type SnapshotMarker,
} from '#contracts';
import type { EventLog, LogRecord } from '#kafka';

/** The record of one object event: keyed by the object's identity, serialized, with CloudEvents headers. */
export function objectRecord(e: RawObjectEvent, source: string): LogRecord {
  return {
    key: objectKey(e.ref),
    value: encodeMessage(e),
    headers: cloudEventHeaders({ id: e.eventId, type: CE_TYPES.rawEvent, source, time: e.observedAt }),
  };
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
    const value = encodeMessage(m);
    const headers = cloudEventHeaders({
      id: m.eventId,
      type: CE_TYPES.rawEvent,
      source: this.source,
      time: m.observedAt,
    });
    return Array.from({ length: this.partitions }, (_, partition) => ({
      key: snapshotMarkerKey(m.cluster, m.resource),
      value,
      headers,
      partition,
    }));
  }

  async publish(records: readonly LogRecord[]): Promise<void> {
    await this.log.publish(TOPICS.rawEvents.name, records);
  }
}
