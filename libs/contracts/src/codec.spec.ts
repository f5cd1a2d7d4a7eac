import { describe, expect, it } from 'vitest';
import { ContractViolation, decodeMessage, encodeMessage } from './codec.js';
import { objectKey } from './object-ref.js';
import { RawLifecycleEventSchema } from './raw-lifecycle-event.js';

const event = {
  schemaVersion: 1,
  eventId: 'e1',
  type: 'MODIFIED',
  cluster: 'c1',
  ref: {
    cluster: 'c1',
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    resource: 'deployments',
    namespace: 'shop',
    name: 'cart',
  },
  resourceVersion: '42',
  observedAt: '2025-06-05T04:16:04.904Z',
  object: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cart' } },
};

const decode = (v: unknown) => decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, encodeMessage(v));

describe('contracts codec', () => {
  it('accepts a valid raw lifecycle event', () => {
    expect(decode(event)).toMatchObject({ type: 'MODIFIED', resourceVersion: '42' });
  });

  it('names what is wrong: not JSON, unknown version, missing field, object that is not an object', () => {
    expect(() => decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, '{oops')).toThrow(/not JSON/);
    expect(() => decode({ ...event, schemaVersion: 2 })).toThrow(/unknown schemaVersion 2/);
    expect(() => decode({ ...event, resourceVersion: undefined })).toThrow(/resourceVersion/);
    expect(() => decode({ ...event, object: ['not', 'an', 'object'] })).toThrow(
      /object: expected a JSON object/,
    );
    expect(() => decode({ ...event, type: 'RENAMED' })).toThrow(ContractViolation);
    expect(() => decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, null)).toThrow(/null/);
  });

  it('keys every event of one object alike, whatever its uid, so a re-created object stays in order', () => {
    const a = objectKey({ cluster: 'c1', group: '', kind: 'ConfigMap', namespace: 'shop', name: 'cfg' });
    expect(a).toBe('c1/core/ConfigMap/shop/cfg');
    expect(objectKey({ cluster: 'c1', group: '', kind: 'Node', namespace: null, name: 'n1' })).toBe(
      'c1/core/Node/_/n1',
    );
  });
});
