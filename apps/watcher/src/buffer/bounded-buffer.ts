export interface BoundedBufferOptions<T> {
  /** Most items held (markers and records alike). */
  capacity: number;
  /** Most bytes held, as `sizeOf` weighs items; with items of a few KiB this is the bound that matters. */
  maxBytes?: number;
  sizeOf?: (item: T) => number;
  onDepth?: (depth: number, bytes: number) => void;
}

/**
 * The queue between the watches (producers) and the publisher (one consumer). It never drops: `push` always
 * stores, and reports whether the buffer is now at capacity (in items or in bytes), in which case the producer
 * must stop reading its source (pause the HTTP stream, hold back the next list page) until `whenWritable()`
 * resolves. Producers can overshoot the capacity by what they had in hand (one network chunk, one list page), so
 * the bound is soft but small.
 */
export class BoundedBuffer<T> {
  readonly capacity: number;
  readonly maxBytes: number;
  private items: T[] = [];
  private head = 0;
  private size = 0;
  private writable: Array<() => void> = [];
  private readable?: () => void;
  private closed = false;
  private readonly sizeOf: (item: T) => number;
  private readonly onDepth: (depth: number, bytes: number) => void;

  constructor(options: BoundedBufferOptions<T>) {
    if (options.capacity < 1) throw new Error('buffer capacity must be at least 1');
    if (options.maxBytes !== undefined && options.maxBytes < 1)
      throw new Error('buffer byte capacity must be at least 1');
    this.capacity = options.capacity;
    this.maxBytes = options.maxBytes ?? Infinity;
    this.sizeOf = options.sizeOf ?? (() => 0);
    this.onDepth = options.onDepth ?? (() => {});
  }

  get depth(): number {
    return this.items.length - this.head;
  }

  /** Bytes held, as `sizeOf` weighs them. */
  get bytes(): number {
    return this.size;
  }

  get full(): boolean {
    return this.depth >= this.capacity || this.size >= this.maxBytes;
  }

  /** Stores the item; false means "full: stop reading and await whenWritable()". */
  push(item: T): boolean {
    this.items.push(item);
    this.size += this.sizeOf(item);
    this.onDepth(this.depth, this.size);
    this.readable?.();
    return !this.full;
  }

  /** Resolves when there is room again (immediately when there is). */
  whenWritable(): Promise<void> {
    if (!this.full || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.writable.push(resolve));
  }

  /** Takes up to `max` items, waiting for at least one; resolves to [] once closed and empty. */
  async take(max: number): Promise<T[]> {
    while (this.depth === 0) {
      if (this.closed) return [];
      await new Promise<void>((resolve) => (this.readable = resolve));
      this.readable = undefined;
    }
    const out = this.items.slice(this.head, this.head + max);
    for (let i = this.head; i < this.head + out.length; i++) {
      this.size -= this.sizeOf(this.items[i]);
      // Taken items must not stay reachable from the array until the next compaction.
      (this.items as Array<T | undefined>)[i] = undefined;
    }
    this.head += out.length;
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.depth === 0) {
      this.items = [];
      this.head = 0;
    }
    this.onDepth(this.depth, this.size);
    // Resume producers at half capacity, not at capacity - 1, so a full buffer does not pause and resume the
    // watches once per record.
    if (this.depth <= this.capacity / 2 && this.size <= this.maxBytes / 2)
      for (const wake of this.writable.splice(0)) wake();
    return out;
  }

  /** No more pushes are coming: `take` drains what is left, then returns []. Releases paused producers. */
  close(): void {
    this.closed = true;
    this.readable?.();
    for (const wake of this.writable.splice(0)) wake();
  }
}
