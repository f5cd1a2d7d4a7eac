import { decodeMessage, ObjectStateSchema, type ObjectState } from '#contracts';
import { intern } from './intern.js';
import { objectDigest } from './state-text.js';

/** Changelog headers that let a restore rebuild the store without parsing each value. */
export const STATE_HEADERS = {
  sourceOffset: 'ia_source_offset',
  snapshotId: 'ia_snapshot_id',
  observedAt: 'ia_observed_at',
  /** objectDigest() of the normalized object's JSON text. */
  objectDigest: 'ia_object_digest',
  /** JSON text of the status digest; empty when the kind has none. */
  statusDigest: 'ia_status_digest',
} as const;

/**
 * One object's entry. The value is kept as the changelog's JSON text, parsed only when the object changes
 * again: a string costs a byte per character, a parsed object several times that, and most objects never change.
 * The digests let an update that changes nothing (status churn, a SYNC equal to the state) be recognised
 * without parsing the value at all.
 */
export interface StateEntry {
  value: string;
  /**
   * Raw-events offset of the input that produced this state: input at or before it was already applied.
   * A number: exact below 2^53, which a partition does not reach; -1 when unknown.
   */
  sourceOffset: number;
  snapshotId?: string;
  observedAt: string;
  /** objectDigest() of the state's object; undefined until known (a record without the header). */
  objectDigest?: string;
  /** JSON text of the state's status digest, '' for none; undefined until known. */
  statusDigest?: string;
}

/** An entry whose digests are known. */
export type DigestedEntry = StateEntry & { objectDigest: string; statusDigest: string };

/** The state of one raw-events partition: a key-value store restored from the same changelog partition. */
export class PartitionStore {
  readonly entries = new Map<string, StateEntry>();
  /**
   * The latest observedAt this partition's state reflects, and the latest before it. A snapshot's SYNCs all carry
   * the snapshot's time, so "what we knew before this snapshot" is the latest time strictly before it.
   */
  private latest?: string;
  private beforeLatest?: string;

  get(key: string): StateEntry | undefined {
    return this.entries.get(key);
  }

  read(key: string): ObjectState | undefined {
    const e = this.entries.get(key);
    return e ? (JSON.parse(e.value) as ObjectState) : undefined;
  }

  /** The entry with its digests, computed once from its value if its changelog record did not carry them. */
  digested(entry: StateEntry): DigestedEntry {
    if (entry.objectDigest === undefined || entry.statusDigest === undefined) {
      const s = JSON.parse(entry.value) as ObjectState;
      entry.objectDigest = objectDigest(JSON.stringify(s.object));
      entry.statusDigest = intern(s.statusDigest ? JSON.stringify(s.statusDigest) : '');
    }
    return entry as DigestedEntry;
  }

  put(key: string, entry: StateEntry): void {
    this.entries.set(key, entry);
    this.advance(entry.observedAt);
  }

  delete(key: string, observedAt?: string): void {
    this.entries.delete(key);
    if (observedAt) this.advance(observedAt);
  }

  advance(observedAt: string): void {
    if (!this.latest || observedAt > this.latest) {
      if (this.latest) this.beforeLatest = this.latest;
      this.latest = observedAt;
    } else if (observedAt < this.latest && (!this.beforeLatest || observedAt > this.beforeLatest)) {
      this.beforeLatest = observedAt;
    }
  }

  /** What this partition knew before `observedAt`; undefined before its first snapshot (nothing known). */
  knownBefore(observedAt: string): string | undefined {
    if (this.latest && this.latest < observedAt) return this.latest;
    return this.beforeLatest && this.beforeLatest < observedAt ? this.beforeLatest : undefined;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Applies one changelog record during a restore. */
  restore(key: string, value: Buffer | null, headers: Record<string, string>): void {
    const observedAt = headers[STATE_HEADERS.observedAt];
    if (value === null) {
      this.delete(key, observedAt);
      return;
    }
    const text = value.toString('utf8');
    let entry: StateEntry;
    if (observedAt && headers[STATE_HEADERS.sourceOffset] !== undefined) {
      const snapshotId = headers[STATE_HEADERS.snapshotId];
      const status = headers[STATE_HEADERS.statusDigest];
      // Interned: a snapshot's objects share these few values; 150,000 copies of each would be megabytes.
      entry = {
        value: text,
        sourceOffset: Number(headers[STATE_HEADERS.sourceOffset]),
        snapshotId: snapshotId ? intern(snapshotId) : undefined,
        observedAt: intern(observedAt),
        objectDigest: headers[STATE_HEADERS.objectDigest],
        statusDigest: status === undefined ? undefined : intern(status),
      };
    } else {
      // Written by another producer (or an older build): parse once for what the headers would have said.
      const s = decodeMessage('ObjectState', ObjectStateSchema, text);
      entry = { value: text, sourceOffset: -1, snapshotId: s.snapshotId, observedAt: s.observedAt };
    }
    this.put(key, entry);
  }
}
