import { TOPICS, type ChangeEvent } from '#contracts';
import type { EventLog, LogRecord } from '#kafka';

/** Room for the key, headers and record framing next to a change event's value (see encodeChangeWithinLimit). */
const RECORD_OVERHEAD = 4 * 1024;
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
 * A changelog record, built at flush: only the batch's last state of a key is published, so the bytes, headers
 * and id of the states it replaces are never made.
 */
export type PendingState = () => LogRecord;

/**
 * What a batch produced, published at flush in the order that makes a crash safe: changes and anomalies first,
 * the changelog last. If the process dies in between, the state was not advanced, the batch is processed again
 * and yields the same deterministic ids, which consumers dedupe. Offsets are committed after all of it.
 *
 * The changelog keeps one record per key, the batch's last, as Kafka Streams' record cache does: the topic is
 * compacted, so the intermediate states of an object changed several times in one batch would only be written
 * to be compacted away, and a restore needs nothing but the last. A differ catching up on a backlog (the batches
 * are large then, and a rollout changes the same Deployment several times) writes a fraction of the bytes.
 */
export class OutputBuffer {
  private changes: LogRecord[] = [];
  private anomalies: LogRecord[] = [];
  private changelog = new Map<string, PendingState>();

  constructor(
    private readonly log: EventLog,
    private readonly maxMessageBytes: number,
  ) {}

  addChange(r: LogRecord): void {
    this.changes.push(r);
  }
  addAnomaly(r: LogRecord): void {
    this.anomalies.push(r);
  }
  /** A later state of the same key replaces the earlier one, which is never published (see the class). */
  addState(key: string, build: PendingState): void {
    this.changelog.set(key, build);
  }

  get size(): number {
    return this.changes.length + this.anomalies.length + this.changelog.size;
  }

  /** Drops what a failed batch produced: it will be produced again. */
  clear(): void {
    this.changes = [];
    this.anomalies = [];
    this.changelog = new Map();
  }

  async flush(): Promise<void> {
    const [changes, anomalies, changelog] = [this.changes, this.anomalies, this.changelog];
    this.clear();
    await Promise.all([
      this.publish(TOPICS.changes.name, changes),
      this.publish(TOPICS.anomalies.name, anomalies),
    ]);
    await this.publish(
      TOPICS.objects.name,
      Array.from(changelog.values(), (build) => build()),
    );
  }

  /**
   * Splits a publish so that no record batch exceeds the broker's limit even before compression. Counted with the
   * records' actual sizes: a flat 4 KiB per record beside ~3 KiB values cut requests to less than half their
   * allowed size, and every request is a round trip the batch's commit waits for.
   */
  private async publish(topic: string, records: readonly LogRecord[]): Promise<void> {
    let chunk: LogRecord[] = [];
    let bytes = BATCH_HEADER_BYTES;
    for (const r of records) {
      const size = recordBytes(r);
      if (chunk.length > 0 && bytes + size > this.maxMessageBytes) {
        await this.log.publish(topic, chunk);
        chunk = [];
        bytes = BATCH_HEADER_BYTES;
      }
      chunk.push(r);
      bytes += size;
    }
    if (chunk.length) await this.log.publish(topic, chunk);
  }
}

const MAX_SHOWN_VALUE = 1_024;

function shorten(value: unknown): unknown {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_SHOWN_VALUE
    ? `${text.slice(0, MAX_SHOWN_VALUE)}... (truncated, ${text.length} chars)`
    : value;
}

/**
 * Encodes a change event within the record size limit: first the delta is replaced by a marker, then path
 * values are shortened, then paths are dropped. Classes, actor and summary always survive.
 */
export function encodeChangeWithinLimit(change: ChangeEvent, maxMessageBytes: number): string {
  const limit = maxMessageBytes - RECORD_OVERHEAD;
  let text = JSON.stringify(change);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: most events are far below the limit without counting bytes.
  if (text.length * 3 <= limit || Buffer.byteLength(text) <= limit) return text;
  const marker = {
    _truncated: true,
    reason: 'delta larger than the broker message size',
    bytes: Buffer.byteLength(text),
  };
  const smaller: ChangeEvent = { ...change, delta: marker };
  text = JSON.stringify(smaller);
  if (Buffer.byteLength(text) <= limit) return text;
  smaller.paths = change.paths.map((p) => ({
    path: p.path,
    op: p.op,
    old: shorten(p.old),
    new: shorten(p.new),
  }));
  text = JSON.stringify(smaller);
  for (
    let keep = Math.min(smaller.paths.length, 1_000);
    Buffer.byteLength(text) > limit && keep > 0;
    keep = Math.floor(keep / 2)
  ) {
    text = JSON.stringify({ ...smaller, paths: smaller.paths.slice(0, keep) });
  }
  return text;
}
