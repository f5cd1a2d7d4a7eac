import { describe, expect, it } from 'vitest';
import { indexKey, ObjectIndex } from './object-index.js';

describe('ObjectIndex', () => {
  it('stores, updates and deletes identities like a Map would', () => {
    const index = new ObjectIndex();
    const model = new Map<string, { rv: string; uid: string }>();
    let seed = 7;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    for (let step = 0; step < 60_000; step++) {
      const key = indexKey(rand(3) ? `ns-${rand(5)}` : null, `obj-${rand(3_000)}${rand(9) ? '' : '-ä✓'}`);
      const op = rand(10);
      if (op < 6) {
        const rv = String(rand(10 ** (1 + rand(9))));
        const uid = rand(2) ? `uid-${rand(1_000)}` : '';
        index.set(key, rv, uid);
        model.set(key, { rv, uid });
      } else if (op < 9) {
        expect(index.delete(key)).toBe(model.delete(key));
      } else {
        expect(index.resourceVersionOf(key)).toBe(model.get(key)?.rv);
      }
      expect(index.size).toBe(model.size);
    }
    expect([...index.keys()].sort()).toEqual([...model.keys()].sort());
    for (const [key, { rv, uid }] of model) {
      expect(index.has(key)).toBe(true);
      const slash = key.indexOf('/');
      expect(index.get(key)).toEqual({
        namespace: slash < 0 ? null : key.slice(0, slash),
        name: key.slice(slash + 1),
        resourceVersion: rv,
        uid,
      });
    }
    expect(index.get('nope')).toBeUndefined();
  });

  it('reclaims the space of deleted entries and stays consistent', () => {
    const index = new ObjectIndex();
    const long = 'n'.repeat(100);
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 20_000; i++) index.set(`ns/${long}-${round}-${i}`, String(i), `uid-${i}`);
      for (let i = 0; i < 20_000; i++) if (i % 10) index.delete(`ns/${long}-${round}-${i}`);
    }
    expect(index.size).toBe(6_000);
    expect(index.resourceVersionOf(`ns/${long}-1-30`)).toBe('30');
    expect(index.get(`ns/${long}-2-40`)?.uid).toBe('uid-40');
    expect(index.has(`ns/${long}-2-41`)).toBe(false);
    expect([...index.keys()]).toHaveLength(6_000);
  });

  it('replaceWith takes over the other index', () => {
    const a = new ObjectIndex();
    const b = new ObjectIndex();
    a.set('x/a', '1', 'u1');
    b.set('x/b', '2', 'u2');
    a.replaceWith(b);
    expect([...a.keys()]).toEqual(['x/b']);
    expect(a.resourceVersionOf('x/b')).toBe('2');
    expect(a.has('x/a')).toBe(false);
  });
});
