// One scenario: a fault injected into one service of a topology, its propagation (the broken workload's own pod
// signals when the fault produces them; error/latency alerts on its callers up to the entry point), routine
// background activity and decoys. Timings are drawn wider than in the public set: the first effect comes 30 s to
// 15 min after the change (log-uniform), alerts wait a `for:` window, notifications arrive 20-40 s after startsAt.
import { changeDeployment, hpaMove, podFault, killPod, rollout } from './actions.mjs';
import { buildCluster } from './build.mjs';
import { Cluster, clone, iso, key } from './cluster.mjs';
import { crossNamespaceCallers, namespaceLockdown } from './extended.mjs';
import { upstream } from './topologies.mjs';

const MIN = 60_000;
export const FAULTS = [
  'bad-image',
  'env-change',
  'memory-limit',
  'readiness-probe',
  'scale-to-zero',
  'command',
  'configmap-change',
  'secret-change',
  'network-policy',
];
/**
 * The next version of an image: the tag's last number goes up (`3.12.5` -> `3.12.6`, `postgres:15.4` ->
 * `postgres:15.5`). A tag without a trailing number gets `-1`. The image always changes: a bump that left a
 * two-part tag as it was wrote a new generation with the same spec, a "bad image" no differ could see.
 */
const bump = (image) => {
  const tagged = /:[^/:]+$/.test(image);
  if (!tagged) return `${image}:1`;
  return /\d+$/.test(image) ? image.replace(/\d+$/, (n) => String(Number(n) + 1)) : `${image}-1`;
};
const setEnv = (spec, name, value) => {
  const env = spec.template.spec.containers[0].env;
  const e = env.find((x) => x.name === name);
  if (e) e.value = value;
  else env.push({ name, value });
};

export function makeScenario(rng, topo, fault, id) {
  const start = Date.UTC(
    2025,
    rng.int(0, 11),
    rng.int(1, 28),
    rng.int(0, 23),
    rng.int(0, 59),
    rng.int(0, 59),
    rng.int(0, 999),
  );
  const c = new Cluster(rng, start);
  const { all, app } = buildCluster(c, topo, rng);
  const entry = topo.entry;
  // Where the fault goes: services the entry reaches (so the symptom shows), of a role the fault fits.
  const reach = new Set([entry]);
  for (let grew = true; grew;) {
    grew = false;
    for (const id of [...reach])
      for (const x of all.get(id).calls)
        if (!reach.has(x)) {
          reach.add(x);
          grew = true;
        }
  }
  if (fault === 'network-policy-ns' && ![...reach].some((id) => crossNamespaceCallers(all, id).length))
    fault = 'network-policy';
  const fits = [...reach].filter((id) => {
    const a = app[id];
    if (fault === 'network-policy-ns') return crossNamespaceCallers(all, id).length > 0;
    if (fault === 'configmap-change') return a.consumes.configMaps.length > 0;
    if (fault === 'secret-change') return a.consumes.secrets.length > 0;
    if (['env-change', 'command', 'readiness-probe'].includes(fault)) return a.role === 'app';
    return true;
  });
  const target =
    rng.chance(0.1) && fits.includes(entry)
      ? entry
      : rng.pick(fits.filter((x) => x !== entry).length ? fits.filter((x) => x !== entry) : fits);
  const T = app[target];
  const tFault = start + rng.int(65, 95) * MIN;
  const schedule = [];
  const at = (t, what, fn) => schedule.push({ t, what, fn });

  // -- lags: first effect 30 s .. 15 min after the change (log-uniform), alert `for:` window 1-3 min.
  const effLag = Math.exp(rng.uniform(Math.log(30_000), Math.log(15 * MIN)));
  let effect = tFault + effLag;
  const truth = { kind: 'Deployment', namespace: T.ns, name: T.name, type: fault };
  let local; // pod-level behaviour of the broken workload
  let selfAlert = 'HighErrorRate';
  const mode = {
    'bad-image': rng.pick(['crash', 'pull', 'errors']),
    'env-change': rng.pick(['errors', 'errors', 'crash']),
    command: 'crash',
    'memory-limit': 'oom',
    'readiness-probe': 'unready',
  }[fault];
  if (mode && mode !== 'errors') local = mode;
  if (local === 'pull' || local === 'unready') effect = tFault + rng.int(20, 90) * 1000; // shows at once
  const faultyRollout = (t, mutate, manager) =>
    at(t, 'fault', () => {
      changeDeployment(c, t, T.ns, T.name, mutate, manager, { healthy: !local });
      const st = c.pods.get(key('Deployment', T.ns, T.name));
      for (const old of st?.old ?? []) killPod(c, t + rng.int(20_000, 60_000), T.ns, old, T.name);
    });
  const manager = rng.pick([
    'kubectl-set',
    'kubectl-client-side-apply',
    'kubectl-edit',
    'helm',
    'argocd-controller',
  ]);
  if (fault === 'bad-image')
    faultyRollout(
      tFault,
      (s) => (s.template.spec.containers[0].image = bump(s.template.spec.containers[0].image)),
      manager,
    );
  else if (fault === 'env-change')
    faultyRollout(
      tFault,
      (s) =>
        setEnv(
          s,
          rng.pick(['FEATURE_FLAGS', 'UPSTREAM_TIMEOUT_MS', 'CACHE_MODE']),
          rng.pick(['strict', '50', 'disabled']),
        ),
      manager,
    );
  else if (fault === 'command')
    faultyRollout(
      tFault,
      (s) => (s.template.spec.containers[0].command = ['/app/server', '--config=/etc/app/missing.yaml']),
      manager,
    );
  else if (fault === 'memory-limit')
    faultyRollout(
      tFault,
      (s) => (s.template.spec.containers[0].resources.limits.memory = rng.pick(['32Mi', '48Mi', '64Mi'])),
      manager,
    );
  else if (fault === 'readiness-probe')
    faultyRollout(
      tFault,
      (s) => (s.template.spec.containers[0].readinessProbe.httpGet.path = '/ready'),
      manager,
    );
  else if (fault === 'scale-to-zero') {
    at(tFault, 'fault', () =>
      changeDeployment(c, tFault, T.ns, T.name, (s) => (s.replicas = 0), 'kubectl-scale'),
    );
    selfAlert = null;
    effect = tFault + rng.int(10, 60) * 1000 + (effLag > 5 * MIN ? effLag / 3 : 0);
  } else if (fault === 'network-policy-ns') {
    at(tFault, 'fault', () => namespaceLockdown(c, T, tFault, truth));
    selfAlert = null;
  } else if (fault === 'network-policy') {
    const name = rng.pick([`restrict-${T.name}`, `deny-ingress-${T.name}`, `${T.name}-ingress`]);
    Object.assign(truth, { kind: 'NetworkPolicy', name });
    at(tFault, 'fault', () =>
      c.write(tFault, 'ADDED', {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: {
          ...c.meta(T.ns, name, 'kubectl-client-side-apply', tFault),
          creationTimestamp: iso(tFault).slice(0, 19) + 'Z',
        },
        spec: {
          podSelector: { matchLabels: { app: T.name } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { role: 'admin' } } }] }],
        },
      }),
    );
    selfAlert = null;
  } else {
    // ConfigMap / Secret data change; env consumers only see it after a restart, done by a person minutes later.
    const isCm = fault === 'configmap-change';
    const name = isCm ? T.consumes.configMaps[0] : T.consumes.secrets[0];
    Object.assign(truth, { kind: isCm ? 'ConfigMap' : 'Secret', name });
    at(tFault, 'fault', () => {
      const o = c.get(isCm ? 'ConfigMap' : 'Secret', T.ns, name);
      if (isCm)
        o.data = {
          ...o.data,
          'app.properties': (o.data['app.properties'] ?? '')
            .replace(/timeout\.ms=\d+/, 'timeout.ms=5')
            .replace('feature.newCheckout=false', 'feature.newCheckout=true'),
        };
      else o.data = { ...o.data, password: Buffer.from(rng.hex(20)).toString('base64') };
      c.touch(o, manager, tFault, { 'f:data': {} });
      c.write(tFault, 'MODIFIED', o);
    });
    const viaEnv = !isCm || T.consumes.mode === 'env';
    if (viaEnv) {
      const restart = tFault + rng.int(40, 240) * 1000;
      at(restart, 'restart-to-apply', () =>
        changeDeployment(
          c,
          restart,
          T.ns,
          T.name,
          (s) =>
            (s.template.metadata.annotations = {
              ...s.template.metadata.annotations,
              'kubectl.kubernetes.io/restartedAt': iso(restart).slice(0, 19) + 'Z',
            }),
          'kubectl-rollout',
          { healthy: !local },
        ),
      );
      effect = Math.max(effect, restart + rng.int(15, 60) * 1000);
      if (!isCm && rng.chance(0.5)) local = 'crash';
    }
  }
  if (local && local !== 'unready' && local !== 'pull' && effect - tFault < 40_000) effect = tFault + 40_000;
  // -- the broken workload's own pods
  const tQueryGuess = effect + 20 * MIN;
  if (local) at(effect, 'local', () => podFault(c, effect, tQueryGuess, T.ns, T.name, local));

  // -- alerts up the call chain: target (if it serves errors), some intermediate callers, always the entry.
  const ups = upstream(all, target);
  const entryDist = ups.get(entry) ?? 0;
  const alertStart = effect + rng.int(60, 180) * 1000;
  const alerts = [];
  const onPath = [...ups.entries()].filter(
    ([id, d]) => id === entry || (d < entryDist && upstream(all, id).has(entry)),
  );
  const latencyish =
    ['scale-to-zero', 'network-policy', 'network-policy-ns'].includes(fault) || T.role !== 'app';
  for (const [id, d] of onPath.sort((a, b) => a[1] - b[1])) {
    const s = all.get(id);
    let name = rng.chance(latencyish ? 0.7 : 0.3) ? 'HighLatencyP99' : 'HighErrorRate';
    if (id === target) {
      if (id !== entry && (!selfAlert || !rng.chance(0.7))) continue;
      name = selfAlert ?? name;
    } else if (id !== entry && !rng.chance(0.45)) continue;
    const startsAt = alertStart + d * rng.int(15, 90) * 1000 + (id === entry ? rng.int(0, 60) * 1000 : 0);
    alerts.push({
      startsAt,
      labels: {
        alertname: name,
        namespace: s.ns,
        service: s.name,
        severity: id === entry ? 'critical' : 'warning',
      },
    });
  }
  if (local && local !== 'errors' && rng.chance(0.6)) {
    const pod = c.pods.get(key('Deployment', T.ns, T.name));
    const alertname =
      local === 'unready'
        ? 'KubeDeploymentReplicasMismatch'
        : local === 'pull'
          ? 'KubePodNotReady'
          : 'KubePodCrashLooping';
    alerts.push({
      startsAt: effect + rng.int(60, 120) * 1000,
      labels: {
        alertname,
        namespace: T.ns,
        service: T.name,
        severity: 'warning',
        ...(alertname === 'KubePodCrashLooping'
          ? { container: T.name, pod: `${T.name}-${pod?.hash ?? 'x'}-${rng.chars(5)}` }
          : {}),
      },
    });
  }
  const entryAlert = alerts.find(
    (a) => a.labels.service === all.get(entry).name && a.labels.namespace === all.get(entry).ns,
  );
  for (const a of alerts)
    at(a.startsAt + rng.int(20, 40) * 1000, 'alert', () => c.alert(a.startsAt + rng.int(20, 40) * 1000, a));
  const firstAlert = Math.min(...alerts.map((a) => a.startsAt));
  const queryAt = entryAlert.startsAt + rng.int(150, 480) * 1000;
  return {
    c,
    all,
    app,
    topo,
    target,
    T,
    truth,
    tFault,
    effect,
    firstAlert,
    queryAt,
    entry,
    schedule,
    at,
    alerts,
    id,
    start,
    fault,
    local,
  };
}

export { MIN, bump, setEnv, clone, hpaMove, rollout };
