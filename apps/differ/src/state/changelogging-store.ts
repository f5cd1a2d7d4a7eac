import { CE_TYPES, stableId, TOPICS, type ObjectState } from '#contracts';
import { toLogRecord, type EventLog, type LogRecord } from '#kafka';
import { publishWithinLimit } from '../publish-within-limit.js';
import { intern } from './intern.js';
import {
  STATE_HEADERS,
  type DigestedEntry,
  type PartitionStore,
  type StateEntry,
} from './partition-store.js';
import { stateText } from './state-text.js';

/** A new state: the ObjectState without its object, which comes as the JSON text already serialized. */
export interface NewState {
  state: Omit<ObjectState, 'object'>;
  objectText: string;
  objectDigest: string;
  /** JSON text of `state.statusDigest`, '' when none. */
  statusText: string;
}

/**
 * A changelog record, built at flush: only the batch's last state of a key is published, so the bytes, headers
 * and id of the states it replaces are never made.
 */
type PendingState = () => LogRecord;

export interface ChangelogOptions {
  /** `ce_source` of the changelog records. */
  source: string;
  /** The broker's message.max.bytes: a publish call stays under it. */
  maxMessageBytes: number;
}

/**
 * The state store of one raw-events partition that logs its own writes, as Kafka Streams' change-logging stores
 * do: putting or deleting a state is what buffers its changelog record (a state, or a tombstone, in the
 * changelog partition of the same number), so the store and its changelog cannot tell different stories.
 *
 * The changelog keeps one record per key, the batch's last, as Kafka Streams' record cache does: the topic is
 * compacted, so the intermediate states of an object changed several times in one batch would only be written
 * to be compacted away, and a restore needs nothing but the last. A differ catching up on a backlog (the batches
 * are large then, and a rollout changes the same Deployment several times) writes a fraction of the bytes.
 */
export class ChangeloggingStore {
  private changelog = new Map<string, PendingState>();

  constructor(
    private readonly store: PartitionStore,
    private readonly partition: number,
    private readonly log: EventLog,
    private readonly options: ChangelogOptions,
  ) {}

  get(key: string): StateEntry | undefined {
    return this.store.get(key);
  }

  /** See PartitionStore.digested. */
  digested(entry: StateEntry): DigestedEntry {
    return this.store.digested(entry);
  }

  /** See PartitionStore.knownBefore. */
  knownBefore(observedAt: string): string | undefined {
    return this.store.knownBefore(observedAt);
  }

  get entries(): ReadonlyMap<string, StateEntry> {
    return this.store.entries;
  }

  get size(): number {
    return this.store.size;
  }

  /** Puts the state that the raw-events record at `offset` produced, and buffers its changelog record. */
  put(key: string, offset: number, next: NewState, extraHeaders: Record<string, string> = {}): void {
    const { state } = next;
    const value = stateText(state, next.objectText);
    // A later state of the same key replaces the earlier one, which is never published (see the class).
    this.changelog.set(key, () =>
      toLogRecord(Buffer.from(value), {
        key,
        type: CE_TYPES.objectState,
        source: this.options.source,
        id: stableId(key, state.resourceVersion),
        time: state.observedAt,
        partition: this.partition,
        headers: {
          [STATE_HEADERS.sourceOffset]: String(offset),
          [STATE_HEADERS.observedAt]: state.observedAt,
          ...(state.snapshotId ? { [STATE_HEADERS.snapshotId]: state.snapshotId } : {}),
          [STATE_HEADERS.objectDigest]: next.objectDigest,
          [STATE_HEADERS.statusDigest]: next.statusText,
          ...extraHeaders,
        },
      }),
    );
    this.store.put(key, {
      value,
      sourceOffset: offset,
      snapshotId: state.snapshotId,
      observedAt: state.observedAt,
      objectDigest: next.objectDigest,
      statusDigest: intern(next.statusText),
    });
  }

  /** Deletes the state of an object gone (at `observedAt`, seen at `offset`), and buffers its tombstone. */
  delete(key: string, offset: number, observedAt: string): void {
    this.changelog.set(key, () => ({
      key,
      value: null,
      partition: this.partition,
      headers: { [STATE_HEADERS.sourceOffset]: String(offset), [STATE_HEADERS.observedAt]: observedAt },
    }));
    this.store.delete(key, observedAt);
  }

  /** Publishes the changelog records of the batch's writes, the last per key, in the order of their keys' first write. */
  async flush(): Promise<void> {
    const changelog = this.changelog;
    this.changelog = new Map();
    await publishWithinLimit(
      this.log,
      TOPICS.objects.name,
      Array.from(changelog.values(), (build) => build()),
      this.options.maxMessageBytes,
    );
  }
}
