import type { EventLog, LogRecord } from '#kafka';

/** Record framing in a record batch: length, attributes, timestamp and offset deltas, length prefixes. */
const FRAMING_BYTES = 24;
/** Record batch header (offset, length, epoch, magic, crc, attributes, producer ids, sequence, count). */
const BATCH_HEADER_BYTES = 61;

/** What a record adds to a record batch before compression. */
function recordBytes(r: LogRecord): number {
  const v = r.value;
  let n = FRAMING_BYTES + (v === null ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);
  if (r.key !== null) n += Buffer.byteLength(r.key);
  // Two length prefixes per header.
  for (const k in r.headers) n += 4 + Buffer.byteLength(k) + Buffer.byteLength(r.headers[k]);
  return n;
}

/**
 * Publishes records in calls that keep every record batch under the broker's limit even before compression.
 * Counted with the records' actual sizes: a flat 4 KiB per record beside ~3 KiB values cut requests to less than
 * half their allowed size, and every request is a round trip the batch's commit waits for.
 */
export async function publishWithinLimit(
  log: EventLog,
  topic: string,
  records: readonly LogRecord[],
  maxMessageBytes: number,
): Promise<void> {
  let chunk: LogRecord[] = [];
  let bytes = BATCH_HEADER_BYTES;
  for (const r of records) {
    const size = recordBytes(r);
    if (chunk.length > 0 && bytes + size > maxMessageBytes) {
      await log.publish(topic, chunk);
      chunk = [];
      bytes = BATCH_HEADER_BYTES;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length) await log.publish(topic, chunk);
}
