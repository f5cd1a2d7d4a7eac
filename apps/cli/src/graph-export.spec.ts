import { describe, expect, it } from 'vitest';
import { toDot, toPlainJson } from './graph-export.js';

describe('toDot', () => {
  it('groups nodes by namespace and labels edges with their relation', () => {
    const dot = toDot({
      nodes: [
        { id: 'a', resource: { kind: 'Deployment', namespace: 'shop', name: 'front"end' } },
        { id: 'b', resource: { kind: 'Node', namespace: '', name: 'n1' } },
      ],
      edges: [{ from: 'a', to: 'b', relation: 'runs-on' }],
    });
    expect(dot).toContain('label="shop"');
    expect(dot).toContain('label="(cluster)"');
    expect(dot).toContain('"a" -> "b" [label="runs-on"]');
    expect(dot).toContain('front\\"end');
    expect(dot).toContain('[label="Deployment\\nfront\\"end"]');
    expect(dot.split('\n').every((l) => !l.startsWith('front'))).toBe(true);
  });
});

describe('toPlainJson', () => {
  it('turns protobuf Struct attributes into plain values', () => {
    const json = toPlainJson({
      nodes: [{ id: 'a', resource: { kind: 'Deployment', namespace: 'shop', name: 'cart', group: 'apps' } }],
      edges: [
        {
          from: 'a',
          to: 'b',
          relation: 'calls',
          attributes: {
            fields: {
              weight: { numberValue: 0.85, kind: 'numberValue' },
              via: { listValue: { values: [{ stringValue: 'env' }] } },
              note: { nullValue: 'NULL_VALUE' },
            },
          },
        },
      ],
    });
    expect(json).toEqual({
      nodes: [{ id: 'a', resource: { kind: 'Deployment', namespace: 'shop', name: 'cart', group: 'apps' } }],
      edges: [
        { from: 'a', to: 'b', relation: 'calls', attributes: { weight: 0.85, via: ['env'], note: null } },
      ],
    });
  });
});
