// Application topologies the public scenarios do not cover. Each service lists what it calls (`ns/name` across
// namespaces). `addressing` says what the manifests reveal of those calls:
//   env-short     X_ADDR=name:port                      (Online Boutique style)
//   env-url       X_URL=http://name:port                (Train Ticket as usually deployed with env overrides)
//   env-fqdn      http://name.ns.svc.cluster.local:port across namespaces, name:port within one
//   shared-config one ConfigMap listing every service, mounted by all (DeathStarBench's service-config)
//   none          nothing: calls live in code; only names, namespaces and alert timing can hint at them
export const svc = (name, calls = [], extra = {}) => ({
  name,
  calls,
  port: extra.port ?? 8080,
  role: extra.role ?? 'app',
  ...extra,
});

function socialNetwork() {
  const ns = 'social-network';
  const s = [
    svc(
      'nginx-thrift',
      [
        'compose-post-service',
        'home-timeline-service',
        'user-timeline-service',
        'user-service',
        'social-graph-service',
        'media-frontend',
      ],
      { port: 8080 },
    ),
    svc('media-frontend', ['media-mongodb'], { port: 8081 }),
    svc(
      'compose-post-service',
      [
        'home-timeline-service',
        'media-service',
        'post-storage-service',
        'text-service',
        'unique-id-service',
        'user-service',
        'user-timeline-service',
      ],
      { port: 9090 },
    ),
    svc('home-timeline-service', ['post-storage-service', 'social-graph-service', 'home-timeline-redis'], {
      port: 9090,
    }),
    svc('user-timeline-service', ['post-storage-service', 'user-timeline-mongodb', 'user-timeline-redis'], {
      port: 9090,
    }),
    svc('post-storage-service', ['post-storage-mongodb', 'post-storage-memcached'], { port: 9090 }),
    svc('text-service', ['url-shorten-service', 'user-mention-service'], { port: 9090 }),
    svc('url-shorten-service', ['url-shorten-mongodb'], { port: 9090 }),
    svc('user-mention-service', ['user-mongodb'], { port: 9090 }),
    svc('user-service', ['user-mongodb', 'user-memcached'], { port: 9090 }),
    svc('social-graph-service', ['social-graph-mongodb', 'social-graph-redis', 'user-service'], {
      port: 9090,
    }),
    svc('media-service', ['media-mongodb'], { port: 9090 }),
    svc('unique-id-service', [], { port: 9090 }),
    ...[
      'post-storage-mongodb',
      'user-timeline-mongodb',
      'url-shorten-mongodb',
      'user-mongodb',
      'social-graph-mongodb',
      'media-mongodb',
    ].map((n) => svc(n, [], { port: 27017, role: 'db' })),
    ...['home-timeline-redis', 'user-timeline-redis', 'social-graph-redis'].map((n) =>
      svc(n, [], { port: 6379, role: 'cache' }),
    ),
    ...['post-storage-memcached', 'user-memcached'].map((n) => svc(n, [], { port: 11211, role: 'cache' })),
  ];
  return {
    id: 'social-network',
    entry: `${ns}/nginx-thrift`,
    addressing: 'shared-config',
    namespaces: { [ns]: s },
  };
}

function trainTicket() {
  const ns = 'train-ticket';
  const calls = {
    'ts-ui-dashboard': [
      'ts-auth-service',
      'ts-user-service',
      'ts-travel-service',
      'ts-travel2-service',
      'ts-order-service',
      'ts-preserve-service',
      'ts-cancel-service',
      'ts-rebook-service',
      'ts-execute-service',
      'ts-food-service',
      'ts-consign-service',
      'ts-admin-basic-info-service',
      'ts-verification-code-service',
      'ts-contacts-service',
    ],
    'ts-auth-service': ['ts-verification-code-service', 'ts-auth-mongo'],
    'ts-user-service': ['ts-auth-service', 'ts-user-mongo'],
    'ts-travel-service': [
      'ts-ticketinfo-service',
      'ts-route-service',
      'ts-train-service',
      'ts-seat-service',
      'ts-order-service',
      'ts-travel-mongo',
    ],
    'ts-travel2-service': [
      'ts-ticketinfo-service',
      'ts-route-service',
      'ts-train-service',
      'ts-seat-service',
      'ts-order-other-service',
      'ts-travel2-mongo',
    ],
    'ts-ticketinfo-service': ['ts-basic-service'],
    'ts-basic-service': ['ts-station-service', 'ts-train-service', 'ts-route-service', 'ts-price-service'],
    'ts-seat-service': ['ts-order-service', 'ts-order-other-service', 'ts-config-service'],
    'ts-preserve-service': [
      'ts-ticketinfo-service',
      'ts-seat-service',
      'ts-user-service',
      'ts-assurance-service',
      'ts-station-service',
      'ts-security-service',
      'ts-travel-service',
      'ts-contacts-service',
      'ts-order-service',
      'ts-food-service',
      'ts-consign-service',
    ],
    'ts-security-service': ['ts-order-service', 'ts-order-other-service', 'ts-security-mongo'],
    'ts-order-service': ['ts-station-service', 'ts-order-mongo'],
    'ts-order-other-service': ['ts-station-service', 'ts-order-other-mongo'],
    'ts-cancel-service': [
      'ts-order-service',
      'ts-order-other-service',
      'ts-inside-payment-service',
      'ts-notification-service',
      'ts-user-service',
    ],
    'ts-rebook-service': [
      'ts-seat-service',
      'ts-travel-service',
      'ts-order-service',
      'ts-inside-payment-service',
      'ts-station-service',
    ],
    'ts-inside-payment-service': ['ts-order-service', 'ts-payment-service', 'ts-inside-payment-mongo'],
    'ts-payment-service': ['ts-payment-mongo'],
    'ts-execute-service': ['ts-order-service', 'ts-order-other-service'],
    'ts-food-service': ['ts-food-map-service', 'ts-travel-service', 'ts-station-service'],
    'ts-food-map-service': ['ts-food-map-mongo'],
    'ts-consign-service': ['ts-consign-price-service', 'ts-consign-mongo'],
    'ts-admin-basic-info-service': [
      'ts-station-service',
      'ts-train-service',
      'ts-config-service',
      'ts-price-service',
      'ts-contacts-service',
    ],
    'ts-route-service': ['ts-route-mongo'],
    'ts-station-service': ['ts-station-mongo'],
    'ts-train-service': ['ts-train-mongo'],
    'ts-price-service': ['ts-price-mongo'],
    'ts-config-service': ['ts-config-mongo'],
    'ts-contacts-service': ['ts-contacts-mongo'],
    'ts-assurance-service': ['ts-assurance-mongo'],
    'ts-notification-service': [],
    'ts-verification-code-service': [],
    'ts-consign-price-service': [],
  };
  const s = Object.entries(calls).map(([n, cs], i) => svc(n, cs, { port: 12000 + i * 31 }));
  const dbs = new Set(
    Object.values(calls)
      .flat()
      .filter((n) => n.endsWith('-mongo')),
  );
  for (const d of dbs) s.push(svc(d, [], { port: 27017, role: 'db' }));
  return {
    id: 'train-ticket',
    entry: `${ns}/ts-ui-dashboard`,
    addressing: 'env-url',
    namespaces: { [ns]: s },
  };
}

/** Several teams' namespaces; calls cross them through cluster DNS names. */
function commerce() {
  return {
    id: 'commerce',
    entry: 'web/storefront',
    addressing: 'env-fqdn',
    namespaces: {
      web: [
        svc('storefront', ['web/bff']),
        svc('bff', ['commerce/orders-api', 'commerce/cart-api', 'catalog/catalog-api', 'identity/auth-api']),
      ],
      commerce: [
        svc('orders-api', [
          'commerce/pricing',
          'payments/payment-gateway',
          'data/orders-postgres',
          'identity/auth-api',
        ]),
        svc('cart-api', ['commerce/pricing', 'data/session-redis']),
        svc('pricing', ['catalog/catalog-api']),
      ],
      payments: [
        svc('payment-gateway', ['payments/fraud-check', 'data/payments-postgres']),
        svc('fraud-check', []),
      ],
      catalog: [svc('catalog-api', ['catalog/search', 'data/catalog-postgres']), svc('search', [])],
      identity: [svc('auth-api', ['data/users-postgres'])],
      data: ['orders-postgres', 'payments-postgres', 'catalog-postgres', 'users-postgres']
        .map((n) => svc(n, [], { port: 5432, role: 'db' }))
        .concat([svc('session-redis', [], { port: 6379, role: 'cache' })]),
    },
  };
}

/** Calls exist but nothing in the manifests says so (addresses compiled in or from service discovery). */
function hiddenCalls() {
  const ns = 'bookstore';
  return {
    id: 'hidden-calls',
    entry: `${ns}/gateway`,
    addressing: 'none',
    namespaces: {
      [ns]: [
        svc('gateway', ['storefront-web', 'account']),
        svc('storefront-web', ['inventory', 'recommendations', 'basket']),
        svc('basket', ['checkout', 'kv-store']),
        svc('checkout', ['billing', 'inventory', 'mailer']),
        svc('billing', ['ledger']),
        svc('account', ['ledger']),
        svc('inventory', ['docstore']),
        svc('recommendations', ['inventory']),
        svc('mailer', []),
        svc('ledger', [], { role: 'db', port: 5432 }),
        svc('docstore', [], { role: 'db', port: 27017 }),
        svc('kv-store', [], { role: 'cache', port: 6379 }),
      ],
    },
  };
}

export const TOPOLOGIES = {
  'social-network': socialNetwork,
  'train-ticket': trainTicket,
  commerce,
  'hidden-calls': hiddenCalls,
};

/** Flattens a topology: `ns/name` -> { ns, name, calls: ['ns/name'], ... }. */
export function services(topo) {
  const out = new Map();
  for (const [ns, list] of Object.entries(topo.namespaces))
    for (const s of list)
      out.set(`${ns}/${s.name}`, {
        ...s,
        ns,
        id: `${ns}/${s.name}`,
        calls: s.calls.map((c) => (c.includes('/') ? c : `${ns}/${c}`)),
      });
  return out;
}

/** Callers of each service, transitively, with the hop count of the shortest path (the fault's way up). */
export function upstream(all, target) {
  const dist = new Map([[target, 0]]);
  let frontier = [target];
  while (frontier.length) {
    const next = [];
    for (const id of frontier)
      for (const [cid, s] of all)
        if (s.calls.includes(id) && !dist.has(cid)) {
          dist.set(cid, dist.get(id) + 1);
          next.push(cid);
        }
    frontier = next;
  }
  return dist;
}
