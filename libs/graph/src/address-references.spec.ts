import { describe, expect, it } from 'vitest';
import { hostToReference, parseCallsAnnotation, serviceReferencesIn } from './address-references.js';

describe('serviceReferencesIn', () => {
  it('finds host:port, URLs and cluster DNS names', () => {
    expect(serviceReferencesIn('productcatalogservice:3550')).toEqual([{ name: 'productcatalogservice' }]);
    expect(serviceReferencesIn('http://orders-api.commerce.svc.cluster.local:8080/v1')).toEqual([
      { name: 'orders-api', namespace: 'commerce' },
    ]);
    expect(serviceReferencesIn('redis.cache')).toEqual([{ name: 'redis', namespace: 'cache' }]);
    expect(serviceReferencesIn('mongodb://user:pw@user-db:27017/users')).toContainEqual({ name: 'user-db' });
  });

  it('takes a bare word only under an address-like key', () => {
    expect(serviceReferencesIn('orders', 'ORDERS_HOST')).toEqual([{ name: 'orders' }]);
    expect(serviceReferencesIn('info', 'LOG_LEVEL')).toEqual([]);
    expect(serviceReferencesIn('true', 'SESSION_REDIS')).toEqual([]);
  });

  it('ignores IPs and versions', () => {
    expect(serviceReferencesIn('10.0.0.1:8080')).toEqual([]);
    expect(serviceReferencesIn('1.2.3')).toEqual([]);
  });
});

describe('hostToReference / parseCallsAnnotation', () => {
  it('splits svc.ns.svc.cluster.local', () => {
    expect(hostToReference('cart.shop.svc.cluster.local')).toEqual({ name: 'cart', namespace: 'shop' });
    expect(hostToReference('example.com.au')).toBeUndefined();
  });

  it('reads svc-a,ns/svc-b', () => {
    expect(parseCallsAnnotation('svc-a, other/svc-b')).toEqual([
      { name: 'svc-a' },
      { namespace: 'other', name: 'svc-b' },
    ]);
  });
});
