import { describe, expect, it } from 'vitest';
import { DependencyGraph } from './dependency-graph.js';
import { nodeId } from './node-id.js';
import { dependenciesOf, propagateFrom } from './propagation.js';

const ns = 'shop';
const ref = (kind: string, name: string) => ({ cluster: 'c1', kind, namespace: ns, name });
const id = (kind: string, name: string) => nodeId(ref(kind, name));

function deployment(
  name: string,
  spec: Record<string, unknown> = {},
  annotations: Record<string, string> = {},
) {
  return {
    metadata: { name, namespace: ns, annotations },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', ...spec }] } },
    },
  };
}
const service = (name: string) => ({ metadata: { name, namespace: ns }, spec: { selector: { app: name } } });

function shop(): DependencyGraph {
  const g = new DependencyGraph();
  g.upsert(
    ref('Deployment', 'frontend'),
    deployment('frontend', { env: [{ name: 'CART_ADDR', value: 'cart:7070' }] }),
  );
  g.upsert(
    ref('Deployment', 'cart'),
    deployment('cart', {
      envFrom: [{ configMapRef: { name: 'cart-config' } }],
      env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'cart-db', key: 'p' } } }],
    }),
  );
  g.upsert(ref('Deployment', 'redis'), deployment('redis'));
  g.upsert(ref('ConfigMap', 'cart-config'), {
    metadata: { name: 'cart-config', namespace: ns },
    data: { 'config.yaml': 'cache:\n  host: redis.shop:6379\n' },
  });
  g.upsert(ref('Secret', 'cart-db'), {
    metadata: { name: 'cart-db', namespace: ns },
    data: { p: 'hmac-sha256:00' },
  });
  for (const s of ['frontend', 'cart', 'redis']) g.upsert(ref('Service', s), service(s));
  g.upsert(ref('NetworkPolicy', 'deny-cart'), {
    metadata: { name: 'deny-cart', namespace: ns },
    spec: { podSelector: { matchLabels: { app: 'cart' } } },
  });
  g.upsert(ref('HorizontalPodAutoscaler', 'cart'), {
    metadata: { name: 'cart', namespace: ns },
    spec: { scaleTargetRef: { kind: 'Deployment', name: 'cart' } },
  });
  g.upsert(ref('Pod', 'cart-7d9f8b6c4d-x2x4z'), {
    metadata: {
      name: 'cart-7d9f8b6c4d-x2x4z',
      namespace: ns,
      ownerReferences: [{ kind: 'ReplicaSet', name: 'cart-7d9f8b6c4d', controller: true }],
    },
    spec: { nodeName: 'node-1', containers: [] },
  });
  g.upsert(ref('ReplicaSet', 'cart-7d9f8b6c4d'), {
    metadata: {
      name: 'cart-7d9f8b6c4d',
      namespace: ns,
      ownerReferences: [{ kind: 'Deployment', name: 'cart', controller: true }],
    },
    spec: { template: { spec: {} } },
  });
  return g;
}

describe('DependencyGraph', () => {
  it('infers selects, calls (env and ConfigMap), config, secret, network policy, HPA, ownership and node edges', () => {
    const g = shop().graph;
    const rel = (a: string, b: string) => g.getEdgeAttribute(g.edge(a, b)!, 'relation');
    expect(rel(id('Service', 'cart'), id('Deployment', 'cart'))).toBe('selects');
    expect(rel(id('Deployment', 'frontend'), id('Service', 'cart'))).toBe('calls');
    expect(rel(id('Deployment', 'cart'), id('Service', 'redis'))).toBe('calls');
    expect(rel(id('Deployment', 'cart'), id('ConfigMap', 'cart-config'))).toBe('consumes-config');
    expect(rel(id('Deployment', 'cart'), id('Secret', 'cart-db'))).toBe('consumes-secret');
    expect(rel(id('Deployment', 'cart'), id('NetworkPolicy', 'deny-cart'))).toBe('restricted-by');
    expect(rel(id('Deployment', 'cart'), id('HorizontalPodAutoscaler', 'cart'))).toBe('scaled-by');
    expect(rel(id('Pod', 'cart-7d9f8b6c4d-x2x4z'), id('ReplicaSet', 'cart-7d9f8b6c4d'))).toBe('owned-by');
    expect(
      rel(
        id('Pod', 'cart-7d9f8b6c4d-x2x4z'),
        nodeId({ cluster: 'c1', kind: 'Node', namespace: null, name: 'node-1' }),
      ),
    ).toBe('runs-on');
  });

  it('propagates a fault to dependents: config -> consumer -> its callers, locally only without calls', () => {
    const g = shop();
    const reach = propagateFrom(g, id('ConfigMap', 'cart-config'));
    expect(reach.any.get(id('Deployment', 'frontend'))?.callHops).toBe(1);
    expect(reach.local.has(id('Deployment', 'cart'))).toBe(true);
    expect(reach.local.has(id('Deployment', 'frontend'))).toBe(false);
    expect(propagateFrom(g, id('Deployment', 'frontend')).any.has(id('Deployment', 'cart'))).toBe(false);
    expect(dependenciesOf(g, id('Deployment', 'frontend')).has(id('Deployment', 'redis'))).toBe(true);
  });

  it('keeps edges current as objects change and disappear', () => {
    const g = shop();
    g.remove(ref('Service', 'redis'));
    expect(g.graph.hasEdge(id('Deployment', 'cart'), id('Service', 'redis'))).toBe(false);
    g.upsert(ref('Deployment', 'frontend'), deployment('frontend'));
    expect(g.graph.hasEdge(id('Deployment', 'frontend'), id('Service', 'cart'))).toBe(false);
  });

  it('resolves names to workloads and measures how much of the call graph the manifests reveal', () => {
    const g = shop();
    expect(g.resolveWorkload('c1', ns, 'cart')).toBe(id('Deployment', 'cart'));
    expect(g.ownerWorkload(id('Pod', 'cart-7d9f8b6c4d-x2x4z'))).toBe(id('Deployment', 'cart'));
    expect(g.namespaceOpenness('c1', ns)).toBe(0);
    const bare = new DependencyGraph();
    bare.upsert(ref('Deployment', 'a'), deployment('a'));
    expect(bare.namespaceOpenness('c1', ns)).toBe(1);
  });

  it('reads the incident-assistant.io/calls annotation and name hints', () => {
    const g = new DependencyGraph();
    g.upsert(
      ref('Deployment', 'orders'),
      deployment('orders', {}, { 'incident-assistant.io/calls': 'payment' }),
    );
    for (const s of ['orders', 'payment', 'orders-db']) g.upsert(ref('Service', s), service(s));
    const graph = g.graph;
    expect(
      graph.getEdgeAttribute(graph.edge(id('Deployment', 'orders'), id('Service', 'payment'))!, 'relation'),
    ).toBe('calls-annotated');
    expect(
      graph.getEdgeAttribute(graph.edge(id('Deployment', 'orders'), id('Service', 'orders-db'))!, 'relation'),
    ).toBe('calls-by-name');
  });

  it('derives only the changed namespaces, into the graph a fresh build gives', () => {
    const other = (kind: string, name: string) => ({ cluster: 'c1', kind, namespace: 'ops', name });
    const caller = (target: string) => ({
      metadata: { name: 'probe', namespace: 'ops' },
      spec: {
        template: {
          metadata: { labels: { app: 'probe' } },
          spec: { containers: [{ name: 'm', env: [{ name: 'T_URL', value: `http://${target}.shop:80` }] }] },
        },
      },
    });
    const snapshot = (g: DependencyGraph) => {
      const graph = g.graph;
      const out: string[] = [];
      graph.forEachNode((n, a) => out.push(`${n} ${a.present}`));
      graph.forEachEdge((_e, a, s, t) => out.push(`${s} -> ${t} ${a.relation} ${a.weight}`));
      return [...out.sort(), `openness ${g.namespaceOpenness('c1', ns)} ${g.namespaceOpenness('c1', 'ops')}`];
    };
    const live = shop();
    live.upsert(other('Deployment', 'probe'), caller('checkout'));
    void live.graph;
    // A Service appearing in another namespace resolves the address made before it existed.
    live.upsert(ref('Service', 'checkout'), service('checkout'));
    live.remove(ref('ConfigMap', 'cart-config'));
    live.upsert(
      ref('Deployment', 'redis'),
      deployment('redis', { env: [{ name: 'X_ADDR', value: 'cart:1' }] }),
    );
    const fresh = shop();
    fresh.remove(ref('ConfigMap', 'cart-config'));
    fresh.upsert(
      ref('Deployment', 'redis'),
      deployment('redis', { env: [{ name: 'X_ADDR', value: 'cart:1' }] }),
    );
    fresh.upsert(other('Deployment', 'probe'), caller('checkout'));
    fresh.upsert(ref('Service', 'checkout'), service('checkout'));
    expect(snapshot(live)).toEqual(snapshot(fresh));
    expect(live.graph.hasEdge(nodeId(other('Deployment', 'probe')), id('Service', 'checkout'))).toBe(true);
    live.remove(ref('Service', 'checkout'));
    expect(live.graph.hasNode(id('Service', 'checkout'))).toBe(false);
  });
});
