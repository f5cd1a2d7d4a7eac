import { TOPICS, type ChangeEvent } from '#contracts';
import type { EventLog, LogRecord } from '#kafka';
import { publishWithinLimit } from './publish-within-limit.js';

/** Room for the key, headers and record framing next to a change event's value (see encodeChangeWithinLimit). */
const RECORD_OVERHEAD = 4 * 1024;

/**
 * The change events and anomaly signals a batch produced, published at flush, before the state store's changelog
 * (see DifferHandler.flush for why in this order).
 */
export class OutputBuffer {
  private changes: LogRecord[] = [];
  private anomalies: LogRecord[] = [];

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

  get size(): number {
    return this.changes.length + this.anomalies.length;
  }

  /** Drops what a failed batch produced: it will be produced again. */
  clear(): void {
    this.changes = [];
    this.anomalies = [];
  }

  async flush(): Promise<void> {
    const [changes, anomalies] = [this.changes, this.anomalies];
    this.clear();
    await Promise.all([
      publishWithinLimit(this.log, TOPICS.changes.name, changes, this.maxMessageBytes),
      publishWithinLimit(this.log, TOPICS.anomalies.name, anomalies, this.maxMessageBytes),
    ]);
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
