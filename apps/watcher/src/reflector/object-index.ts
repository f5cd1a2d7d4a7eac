/**
 * What a reflector remembers of each object: identity and resourceVersion, never the object itself.
 *
 * Stored off the JS heap, in one byte arena plus an open-addressing hash table of arena offsets. A Map of small
 * strings would cost ~250 B per object on the heap, and worse: its entries are allocated while a list streams
 * megabytes of short-lived objects through the heap, get promoted interleaved with them, and then pin nearly
 * every old-generation page once that garbage is gone (150k objects kept ~150 MiB of heap pages resident for
 * ~30 MiB of live data). Here 150k objects take ~11 MiB, in a few large allocations.
 *
 * Entry layout: [live u8][key length u16][rv length u16][uid length u16][key][rv][uid], all UTF-8.
 */
export interface IndexedObject {
  namespace: string | null;
  name: string;
  uid: string;
  resourceVersion: string;
}

export function indexKey(namespace: string | null | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

const HEADER = 7;
const EMPTY = 0;
const TOMBSTONE = -1;
const MIN_SLOTS = 64;

export class ObjectIndex {
  private arena = Buffer.alloc(4_096);
  private end = 0; // arena bytes in use, live or dead
  private garbage = 0; // bytes of dead entries
  private slots = new Int32Array(MIN_SLOTS); // entry offset + 1, EMPTY or TOMBSTONE
  private used = 0; // slots not EMPTY (live entries and tombstones)
  private count = 0;
  private scratch = Buffer.alloc(512); // the encoded key of the current lookup...
  private scratchLength = 0; // ...and its length

  get size(): number {
    return this.count;
  }

  resourceVersionOf(key: string): string | undefined {
    const at = this.find(key);
    if (at < 0) return undefined;
    const o = this.slots[at] - 1;
    const start = o + HEADER + this.u16(o + 1);
    return this.arena.toString('utf8', start, start + this.u16(o + 3));
  }

  has(key: string): boolean {
    return this.find(key) >= 0;
  }

  set(key: string, resourceVersion: string, uid: string): void {
    const at = this.find(key);
    const keyLength = this.scratchLength;
    const rvLength = Buffer.byteLength(resourceVersion);
    const uidLength = Buffer.byteLength(uid);
    if (at >= 0) {
      const o = this.slots[at] - 1;
      if (this.u16(o + 3) === rvLength && this.u16(o + 5) === uidLength) {
        // Same shape (the usual MODIFIED): overwrite in place.
        const start = o + HEADER + keyLength;
        this.arena.write(resourceVersion, start, 'utf8');
        this.arena.write(uid, start + rvLength, 'utf8');
        return;
      }
      this.kill(o);
      this.slots[at] = this.append(keyLength, resourceVersion, rvLength, uid, uidLength) + 1;
      return;
    }
    // Keeps the table at most half full; rebuild leaves the key in scratch alone.
    if ((this.used + 1) * 2 > this.slots.length) this.rebuild();
    const o = this.append(keyLength, resourceVersion, rvLength, uid, uidLength);
    this.insertSlot(o, this.hash(this.scratch, 0, keyLength));
    this.count++;
  }

  delete(key: string): boolean {
    const at = this.find(key);
    if (at < 0) return false;
    this.kill(this.slots[at] - 1);
    this.slots[at] = TOMBSTONE;
    this.count--;
    if (this.garbage > 1 << 20 && this.garbage > this.end / 2) this.rebuild();
    return true;
  }

  get(key: string): IndexedObject | undefined {
    const at = this.find(key);
    if (at < 0) return undefined;
    const o = this.slots[at] - 1;
    const rvStart = o + HEADER + this.u16(o + 1);
    const uidStart = rvStart + this.u16(o + 3);
    const slash = key.indexOf('/');
    return {
      namespace: slash < 0 ? null : key.slice(0, slash),
      name: slash < 0 ? key : key.slice(slash + 1),
      resourceVersion: this.arena.toString('utf8', rvStart, uidStart),
      uid: this.arena.toString('utf8', uidStart, uidStart + this.u16(o + 5)),
    };
  }

  /** Every key, in insertion order (of the entry's last shape change). Do not mutate while iterating. */
  *keys(): IterableIterator<string> {
    for (let o = 0; o < this.end; o = this.next(o)) {
      if (this.arena[o] === 1) yield this.arena.toString('utf8', o + HEADER, o + HEADER + this.u16(o + 1));
    }
  }

  /** Gives back the growth headroom (after a list, when the index is complete and will change little). */
  trim(): void {
    if (this.end - this.garbage < this.arena.length * 0.8) this.rebuild(1.05);
  }

  /** Replaces the whole content (after a relist) in one step. */
  replaceWith(other: ObjectIndex): void {
    this.arena = other.arena;
    this.end = other.end;
    this.garbage = other.garbage;
    this.slots = other.slots;
    this.used = other.used;
    this.count = other.count;
  }

  /** The slot holding `key`, or -1; leaves the key's UTF-8 bytes in scratch[0, scratchLength). */
  private find(key: string): number {
    // 3 bytes per UTF-16 unit is the worst case of UTF-8.
    if (key.length * 3 > this.scratch.length) this.scratch = Buffer.alloc(key.length * 3);
    const length = (this.scratchLength = this.scratch.write(key, 0, 'utf8'));
    const mask = this.slots.length - 1;
    for (let i = this.hash(this.scratch, 0, length) & mask; ; i = (i + 1) & mask) {
      const slot = this.slots[i];
      if (slot === EMPTY) return -1;
      if (slot !== TOMBSTONE && this.keyEquals(slot - 1, length)) return i;
    }
  }

  private keyEquals(o: number, length: number): boolean {
    if (this.u16(o + 1) !== length) return false;
    const a = this.arena;
    const s = this.scratch;
    for (let i = 0, p = o + HEADER; i < length; i++, p++) if (a[p] !== s[i]) return false;
    return true;
  }

  /** Appends an entry whose key is in scratch; returns its offset. */
  private append(keyLength: number, rv: string, rvLength: number, uid: string, uidLength: number): number {
    const size = HEADER + keyLength + rvLength + uidLength;
    if (this.end + size > this.arena.length) {
      const grown = Buffer.alloc(Math.max(this.arena.length * 2, this.end + size));
      this.arena.copy(grown, 0, 0, this.end);
      this.arena = grown;
    }
    const o = this.end;
    const a = this.arena;
    a[o] = 1;
    a.writeUInt16LE(keyLength, o + 1);
    a.writeUInt16LE(rvLength, o + 3);
    a.writeUInt16LE(uidLength, o + 5);
    this.scratch.copy(a, o + HEADER, 0, keyLength);
    a.write(rv, o + HEADER + keyLength, 'utf8');
    a.write(uid, o + HEADER + keyLength + rvLength, 'utf8');
    this.end += size;
    return o;
  }

  private kill(o: number): void {
    this.arena[o] = 0;
    this.garbage += this.next(o) - o;
  }

  private insertSlot(o: number, hash: number): void {
    const mask = this.slots.length - 1;
    let i = hash & mask;
    while (this.slots[i] !== EMPTY && this.slots[i] !== TOMBSTONE) i = (i + 1) & mask;
    if (this.slots[i] === EMPTY) this.used++;
    this.slots[i] = o + 1;
  }

  /** Copies the live entries into a right-sized arena and table (drops dead entries and tombstones). */
  private rebuild(headroom = 1.5): void {
    let slots = MIN_SLOTS;
    while (slots < (this.count + 1) * 2.5) slots *= 2;
    const old = this.arena;
    const oldEnd = this.end;
    this.arena = Buffer.alloc(Math.max(4_096, Math.ceil((oldEnd - this.garbage) * headroom)));
    this.slots = new Int32Array(slots);
    this.end = this.garbage = this.used = 0;
    for (let o = 0; o < oldEnd;) {
      const size = HEADER + old.readUInt16LE(o + 1) + old.readUInt16LE(o + 3) + old.readUInt16LE(o + 5);
      if (old[o] === 1) {
        old.copy(this.arena, this.end, o, o + size);
        this.insertSlot(this.end, this.hash(old, o + HEADER, o + HEADER + old.readUInt16LE(o + 1)));
        this.end += size;
      }
      o += size;
    }
  }

  private next(o: number): number {
    return o + HEADER + this.u16(o + 1) + this.u16(o + 3) + this.u16(o + 5);
  }

  private u16(at: number): number {
    return this.arena[at] | (this.arena[at + 1] << 8);
  }

  /** FNV-1a over bytes [start, end) of `b`. */
  private hash(b: Buffer, start: number, end: number): number {
    let h = 0x811c9dc5;
    for (let i = start; i < end; i++) h = Math.imul(h ^ b[i], 0x01000193);
    return h >>> 0;
  }
}
