import { describe, expect, it } from 'vitest';
import { BoundedBuffer } from './bounded-buffer.js';

describe('BoundedBuffer', () => {
  it('is full at its byte bound, and writable again once drained to half of it', async () => {
    const buffer = new BoundedBuffer<number>({ capacity: 1_000, maxBytes: 100, sizeOf: (n) => n });
    expect(buffer.push(40)).toBe(true);
    expect(buffer.push(40)).toBe(true);
    expect(buffer.push(40)).toBe(false); // 120 bytes: over, though 3 items is far from the item bound
    expect(buffer.bytes).toBe(120);
    let writable = false;
    void buffer.whenWritable().then(() => (writable = true));
    expect(await buffer.take(1)).toEqual([40]);
    await Promise.resolve();
    expect(writable).toBe(false); // 80 bytes: under the bound, not yet under half of it
    expect(await buffer.take(1)).toEqual([40]);
    await Promise.resolve();
    expect(writable).toBe(true);
    expect(buffer.bytes).toBe(40);
  });

  it('is full at its item bound whatever the bytes', () => {
    const buffer = new BoundedBuffer<string>({ capacity: 2 });
    expect(buffer.push('a')).toBe(true);
    expect(buffer.push('b')).toBe(false);
    expect(buffer.full).toBe(true);
  });
});
