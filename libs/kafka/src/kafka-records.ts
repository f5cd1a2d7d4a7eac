import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { ConsumedRecord } from './event-log.port.js';

/** kafkajs headers (Buffers, possibly repeated) as the port's string map; repeated values are comma-joined. */
export function headersOf(h: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!h) return out;
  // for..in, not Object.entries: this runs for every consumed record, and the entries arrays are pure garbage.
  for (const k in h) {
    const v = h[k];
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : String(v);
  }
  return out;
}

/** A kafkajs message as the port's ConsumedRecord; `topic` is the logical (un-prefixed) name. */
export function toConsumedRecord(topic: string, partition: number, m: KafkaMessage): ConsumedRecord {
  return {
    topic,
    partition,
    offset: m.offset,
    key: m.key?.toString('utf8') ?? null,
    value: m.value,
    headers: headersOf(m.headers),
    timestamp: m.timestamp,
  };
}
