// Shapes and kinds real incidents have that the default generation lacks, used only with `--extended` (so the
// default scenarios of a seed stay exactly as they were and results stay comparable across versions):
//   - topology `payments`: a 7-level call chain across three namespaces with fan-out (orchestrator -> quote,
//     risk, ledger) and fan-in (ledger and the cache are reached by several paths), and a ConfigMap shared by four
//     workloads of one namespace (`platform-flags`): a config-change fault there breaks one consumer only;
//   - fault `network-policy-ns`: a policy that admits the target's own namespace but not its callers in another
//     one (the usual "lock the namespace down" mistake); falls back to `network-policy` where no caller is
//     outside the target's namespace;
//   - decoys: a benign change on the fault's path or on the entry point itself 1-5 min *before* the fault, and a
//     harmless NetworkPolicy (admits every namespace) created after it.
import { iso, key } from './cluster.mjs';
import { svc } from './topologies.mjs';

export function payments() {
  return {
    id: 'payments',
    entry: 'edge/edge-proxy',
    addressing: 'env-fqdn',
    sharedConfig: {
      ns: 'core',
      name: 'platform-flags',
      consumers: ['orchestrator', 'quote', 'risk', 'ledger'],
    },
    namespaces: {
      edge: [
        svc('edge-proxy', ['edge/api-gateway']),
        svc('api-gateway', ['core/orchestrator', 'core/profile']),
      ],
      core: [
        svc('orchestrator', ['core/quote', 'core/risk', 'core/ledger']),
        svc('quote', ['core/fx-rates']),
        svc('fx-rates', ['store/rates-cache']),
        svc('risk', ['core/rules-engine']),
        svc('rules-engine', ['core/ledger']),
        svc('ledger', ['store/ledger-db', 'store/rates-cache']),
        svc('profile', ['store/profile-db']),
      ],
      store: [
        svc('ledger-db', [], { role: 'db', port: 5432 }),
        svc('profile-db', [], { role: 'db', port: 5432 }),
        svc('rates-cache', [], { role: 'cache', port: 6379 }),
      ],
    },
  };
}

export const EXTENDED_TOPOLOGIES = { payments };
export const EXTENDED_FAULTS = ['network-policy-ns'];
export const EXTENDED_DECOYS = ['before-fault-on-path', 'before-fault-entry', 'benign-network-policy'];

/** Services calling `id` from another namespace. */
export const crossNamespaceCallers = (all, id) =>
  [...all.values()].filter((x) => x.calls.includes(id) && x.ns !== all.get(id).ns);

/** The shared ConfigMap of a topology: created once, mounted as a volume by its consumers (build.mjs). */
export function sharedConfigFor(c, topo, s, manager, consumes, volumes, mounts) {
  const shared = topo.sharedConfig;
  if (!shared || shared.ns !== s.ns || !shared.consumers.includes(s.name)) return;
  if (!c.objects.has(key('ConfigMap', shared.ns, shared.name)))
    c.add({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: c.meta(shared.ns, shared.name, manager, c.t0, { labels: { team: 'platform' } }),
      data: {
        'app.properties': 'timeout.ms=1500\nfeature.newCheckout=false\nretries=3\n',
        LOG_FORMAT: 'json',
      },
    });
  volumes.push({ name: 'platform-flags', configMap: { name: shared.name } });
  mounts.push({ name: 'platform-flags', mountPath: '/etc/platform' });
  consumes.configMaps.unshift(shared.name);
  consumes.mode = 'volume';
}

/** The `network-policy-ns` fault: admits the target's namespace (and monitoring) only. */
export function namespaceLockdown(c, T, t, truth) {
  const name = `${T.name}-same-namespace-only`;
  Object.assign(truth, { kind: 'NetworkPolicy', name });
  c.write(t, 'ADDED', {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: {
      ...c.meta(T.ns, name, 'kubectl-client-side-apply', t),
      creationTimestamp: iso(t).slice(0, 19) + 'Z',
    },
    spec: {
      podSelector: { matchLabels: { app: T.name } },
      policyTypes: ['Ingress'],
      ingress: [
        {
          from: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': T.ns } } },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
          ],
        },
      ],
    },
  });
}

/**
 * One extended decoy: where and when it goes, or undefined when the scenario has no place for it. `onPath` are
 * the services between the target and the entry point (callers of the target that the entry reaches through).
 */
export function extendedDecoy(s, role, onPath) {
  const { rng, tFault, entry, target, queryAt } = s;
  const before = tFault - rng.uniform(60_000, 5 * 60_000);
  if (role === 'before-fault-on-path') {
    const ids = [...onPath, target].filter((x) => x !== entry);
    return ids.length ? { id: rng.pick(ids), t: before } : undefined;
  }
  if (role === 'before-fault-entry') return { id: entry, t: before };
  if (role === 'benign-network-policy') {
    const ids = [...s.all.keys()].filter((x) => x !== target);
    const id = rng.pick(ids);
    const t = rng.uniform(tFault + 20_000, queryAt - 60_000);
    const a = s.all.get(id);
    const name = `${a.name}-allow-cluster`;
    s.at(t, 'decoy', () =>
      s.c.write(t, 'ADDED', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: {
          ...s.c.meta(a.ns, name, 'argocd-controller', t),
          creationTimestamp: iso(t).slice(0, 19) + 'Z',
        },
        spec: {
          podSelector: { matchLabels: { app: a.name } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ namespaceSelector: {} }] }],
        },
      }),
    );
    return { policy: { kind: 'NetworkPolicy', namespace: a.ns, name, changedAt: iso(t) } };
  }
  return undefined;
}
