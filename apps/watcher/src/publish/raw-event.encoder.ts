import { objectKey, rawObjectEvent, type RawObjectEvent } from '#contracts';
import type { LogRecord } from '#kafka';
import type { SecretRedactor } from '#kube';
import type { ObservedItem, ObservedObject, RejectedItem, WatchItem } from '../buffer/watch-item.js';
import type { ReflectorSink } from '../reflector/reflector-sink.js';
import { objectRecord } from './raw-event.publisher.js';

/** Key, value and headers around the value, plus Kafka's per-record overhead. */
const RECORD_OVERHEAD_BYTES = 512;

export interface RawEventEncoderOptions {
  cluster: string;
  redactor: SecretRedactor;
  /** The broker's message.max.bytes: larger records are rejected (then dead-lettered by the pump). */
  maxMessageBytes: number;
}

/**
 * Turns an observed object into its Kafka record as soon as it is observed: redacts Secrets (and matching
 * ConfigMap keys) before anything is serialized, wraps, keys and serializes. Done before buffering, not at
 * publish time, so that the parsed object graph dies young (in the scavenger) instead of waiting in the buffer
 * and being promoted to the old generation, where its garbage fragments the heap and keeps RSS up.
 */
export class RawEventEncoder {
  private readonly source: string;

  constructor(private readonly options: RawEventEncoderOptions) {
    this.source = `watcher/${options.cluster}`;
  }

  encode(item: ObservedObject): WatchItem {
    let event: RawObjectEvent | undefined;
    try {
      const object = this.options.redactor.redact(item.object);
      event = rawObjectEvent({ cluster: this.options.cluster, ...item, object });
      if (!event.ref.name) return rejected(item, event, 'no-identity', 'object has no metadata.name');
      const record = objectRecord(event, this.source);
      const bytes = recordBytes(record);
      if (bytes > this.options.maxMessageBytes) {
        const limit = this.options.maxMessageBytes;
        return rejected(
          item,
          event,
          'oversized',
          `record of ${bytes} bytes is over the broker's limit of ${limit}`,
        );
      }
      return { kind: 'record', record, bytes };
    } catch (err) {
      return rejected(item, event, 'unserializable', String(err));
    }
  }

  /** The sink a reflector writes to: encodes objects on the way into `buffer`. */
  sinkInto(buffer: ReflectorSink<WatchItem>): ReflectorSink<ObservedItem> {
    return {
      get full() {
        return buffer.full;
      },
      push: (item) => buffer.push(item.kind === 'object' ? this.encode(item) : item),
      whenWritable: () => buffer.whenWritable(),
    };
  }
}

function rejected(
  item: ObservedObject,
  event: RawObjectEvent | undefined,
  reason: RejectedItem['reason'],
  detail: string,
): RejectedItem {
  const md = item.object.metadata ?? {};
  return {
    kind: 'rejected',
    type: item.type,
    resource: item.resource,
    observedAt: item.observedAt,
    key: event?.ref.name ? objectKey(event.ref) : null,
    identity: {
      namespace: typeof md.namespace === 'string' ? md.namespace : null,
      name: typeof md.name === 'string' ? md.name : null,
      uid: typeof md.uid === 'string' ? md.uid : undefined,
      resourceVersion: typeof md.resourceVersion === 'string' ? md.resourceVersion : undefined,
    },
    reason,
    detail,
  };
}

/** What a record weighs against the broker's limit (and in the buffer). */
export function recordBytes(r: LogRecord): number {
  const value =
    r.value === null ? 0 : typeof r.value === 'string' ? Buffer.byteLength(r.value) : r.value.length;
  let headers = 0;
  for (const [k, v] of Object.entries(r.headers ?? {})) headers += k.length + v.length;
  return value + (r.key?.length ?? 0) + headers + RECORD_OVERHEAD_BYTES;
}
