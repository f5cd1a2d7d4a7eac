import { describe, expect, it } from 'vitest';
import { CE_TYPES } from '#contracts';
import { toLogRecord } from './log-record.js';

const attributes = {
  key: 'c1/apps/Deployment/shop/checkout',
  type: CE_TYPES.change,
  source: 'differ/c1',
  id: 'id-1',
  time: '2025-01-01T00:00:00Z',
};

describe('toLogRecord', () => {
  it('keys the encoded message and carries the CloudEvents attributes as ce_ headers', () => {
    expect(toLogRecord('{"a":1}', attributes)).toEqual({
      key: 'c1/apps/Deployment/shop/checkout',
      value: '{"a":1}',
      headers: {
        ce_id: 'id-1',
        ce_type: 'io.incident-assistant.change.v1',
        ce_source: 'differ/c1',
        ce_time: '2025-01-01T00:00:00Z',
        ce_specversion: '1.0',
        'content-type': 'application/json',
      },
    });
  });

  it('passes the message through as it is, without a copy', () => {
    const bytes = Buffer.from('{"a":1}');
    expect(toLogRecord(bytes, attributes).value).toBe(bytes);
  });

  it('names a partition only when the producer chose one', () => {
    expect(toLogRecord('{}', attributes)).not.toHaveProperty('partition');
    expect(toLogRecord('{}', { ...attributes, partition: 3 }).partition).toBe(3);
  });

  it('writes extra headers after the CloudEvents attributes, in their order', () => {
    const r = toLogRecord('{}', { ...attributes, headers: { ia_b: '2', ia_a: '1' } });
    expect(Object.keys(r.headers!)).toEqual([
      'ce_id',
      'ce_type',
      'ce_source',
      'ce_time',
      'ce_specversion',
      'content-type',
      'ia_b',
      'ia_a',
    ]);
  });
});
