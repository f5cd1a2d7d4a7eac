import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { flag, json, list, port } from './env-values.js';

describe('env values', () => {
  it('reads a flag as an operator writes it, and rejects a word it does not know', () => {
    for (const v of ['true', 'TRUE', '1', ' true ', true]) expect(flag.parse(v)).toBe(true);
    for (const v of ['false', 'False', '0', false]) expect(flag.parse(v)).toBe(false);
    const wrong = flag.safeParse('yes');
    expect(wrong.success).toBe(false);
    expect(wrong.error?.issues[0].message).toBe('expected true, false, 1 or 0');
    expect(flag.default(true).parse(undefined)).toBe(true);
  });

  it('splits a list on commas, whitespace and newlines, and takes an array as it is', () => {
    const kinds = list(z.array(z.string()));
    expect(kinds.parse('Lease, Endpoints,,EndpointSlice\nSecret ')).toEqual([
      'Lease',
      'Endpoints',
      'EndpointSlice',
      'Secret',
    ]);
    expect(kinds.parse(['Lease'])).toEqual(['Lease']);
    expect(list(z.array(z.string()).min(1)).safeParse(' , ').success).toBe(false);
  });

  it('coerces a port and keeps it in range', () => {
    expect(port.parse('8083')).toBe(8083);
    expect(port.parse(0)).toBe(0);
    expect(port.safeParse('http').success).toBe(false);
    expect(port.safeParse('70000').success).toBe(false);
  });

  it('parses JSON, and reports text that is not JSON as an issue of the setting', () => {
    const rules = json(z.array(z.object({ kind: z.string() })));
    expect(rules.parse('[{"kind":"Lease"}]')).toEqual([{ kind: 'Lease' }]);
    expect(rules.parse([{ kind: 'Lease' }])).toEqual([{ kind: 'Lease' }]);
    const wrong = rules.safeParse('[{kind: Lease}]');
    expect(wrong.success).toBe(false);
    expect(wrong.error?.issues[0].message).toMatch(/^not JSON \(/);
  });
});
