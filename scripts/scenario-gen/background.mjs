// Decoys and routine activity. Decoys are benign changes placed where a naive reading would blame them (roles as
// in the public truth files); noise is what any cluster does in two hours: HPA moves, routine rollouts by the CD
// tool, benign ConfigMap edits, unrelated alerts, the odd OOM restart of an unrelated pod.
import { changeDeployment, hpaMove, podFault } from './actions.mjs';
import { iso, key } from './cluster.mjs';
import { EXTENDED_DECOYS, extendedDecoy } from './extended.mjs';
import { bump, MIN, setEnv } from './scenario.mjs';
import { upstream } from './topologies.mjs';

/** A benign change of a workload, as people and CD tools make them. */
function benignChange(s, id, t, manager) {
  const { c, app, rng } = s;
  const a = app[id];
  const kind = rng.pick(['image', 'image', 'env', 'resources', 'config']);
  if (kind === 'config' && a.consumes.configMaps.length) {
    const name = a.consumes.configMaps[0];
    s.at(t, 'decoy', () => {
      const o = c.get('ConfigMap', a.ns, name);
      o.data = { ...o.data, LOG_FORMAT: o.data.LOG_FORMAT === 'json' ? 'logfmt' : 'json' };
      c.touch(o, manager, t, { 'f:data': {} });
      c.write(t, 'MODIFIED', o);
    });
    return { kind: 'ConfigMap', namespace: a.ns, name, changedAt: iso(t) };
  }
  const mutate = {
    image: (sp) => (sp.template.spec.containers[0].image = bump(sp.template.spec.containers[0].image)),
    env: (sp) =>
      setEnv(
        sp,
        rng.pick(['OTEL_TRACES_SAMPLER_ARG', 'LOG_LEVEL', 'GOMAXPROCS']),
        rng.pick(['0.1', 'debug', '2']),
      ),
    resources: (sp) =>
      (sp.template.spec.containers[0].resources = {
        ...sp.template.spec.containers[0].resources,
        requests: { cpu: '200m', memory: '256Mi' },
      }),
    config: (sp) => setEnv(sp, 'LOG_LEVEL', 'debug'),
  }[kind];
  s.at(t, 'decoy', () => changeDeployment(c, t, a.ns, a.name, mutate, manager));
  return { kind: 'Deployment', namespace: a.ns, name: a.name, changedAt: iso(t) };
}

export function addDecoys(s) {
  const { rng, all, target, entry, tFault, firstAlert, queryAt } = s;
  const ups = upstream(all, target);
  const callers = [...ups.keys()].filter((id) => id !== target && upstream(all, id).has(entry));
  const parents = [...all.values()].filter((x) => x.calls.includes(target)).map((x) => x.id);
  const siblings = [...new Set(parents.flatMap((p) => all.get(p).calls))].filter(
    (x) => x !== target && !ups.has(x),
  );
  const sameNs = [...all.keys()].filter((x) => x.startsWith(`${s.T.ns}/`) && x !== target && !ups.has(x));
  const people = ['kubectl-set', 'kubectl-client-side-apply', 'helm', 'argocd-controller', 'kubectl-edit'];
  const decoys = [];
  const roles = rng
    .shuffle([
      'after-fault-caller',
      'after-fault-caller',
      'after-fault-sibling',
      'same-target-before-fault',
      'unrelated',
      'responder-restart',
      'after-fault-same-namespace',
      ...(s.extended ? EXTENDED_DECOYS : []),
    ])
    .slice(0, rng.int(2, s.extended ? 6 : 5));
  for (const role of roles) {
    let id;
    let t;
    if (EXTENDED_DECOYS.includes(role)) {
      const d = extendedDecoy(s, role, callers);
      if (d?.policy) decoys.push({ ...d.policy, role });
      if (!d?.id) continue;
      ({ id, t } = d);
    } else if (role === 'after-fault-caller' && callers.length) {
      id = rng.pick(callers);
      t = rng.uniform(tFault + 10_000, Math.max(tFault + 20_000, firstAlert - 10_000));
    } else if (role === 'after-fault-sibling' && siblings.length) {
      id = rng.pick(siblings);
      t = rng.uniform(tFault + 20_000, queryAt - 60_000);
    } else if (role === 'after-fault-same-namespace' && sameNs.length) {
      id = rng.pick(sameNs);
      t = rng.uniform(tFault + 20_000, queryAt - 60_000);
    } else if (role === 'same-target-before-fault') {
      id = target;
      t = tFault - rng.uniform(25, 100) * MIN;
      // The fault comes 65-95 min into the recording, so this could fall before it starts and the file would
      // open with a write before the initial list (FORMAT.md: the file opens with the list). Kept inside.
      t = Math.max(t, s.start + 3 * MIN);
    } else if (role === 'unrelated') {
      id = rng.pick([
        'monitoring/grafana',
        'monitoring/prometheus',
        'ops-tools/status-page',
        'ops-tools/backoffice-reports',
      ]);
      t = rng.uniform(tFault - 5 * MIN, queryAt - 30_000);
    } else if (role === 'responder-restart') {
      const ea = s.alerts.find((a) => `${a.labels.namespace}/${a.labels.service}` === entry);
      t = rng.uniform(ea.startsAt + 60_000, queryAt - 20_000);
      const [ns, name] = entry.split('/');
      s.at(t, 'decoy', () =>
        changeDeployment(
          s.c,
          t,
          ns,
          name,
          (sp) =>
            (sp.template.metadata.annotations = {
              ...sp.template.metadata.annotations,
              'kubectl.kubernetes.io/restartedAt': iso(t).slice(0, 19) + 'Z',
            }),
          'kubectl-rollout',
        ),
      );
      decoys.push({ kind: 'Deployment', namespace: ns, name, changedAt: iso(t), role });
      continue;
    } else continue;
    if (id === target && s.truth.kind === 'Deployment' && role !== 'same-target-before-fault') continue;
    decoys.push({ ...benignChange(s, id, t, rng.pick(people)), role });
  }
  return decoys;
}

export function addNoise(s) {
  const { rng, c, all, app, start, queryAt, tFault, T } = s;
  const end = queryAt + rng.int(30, 120) * 1000;
  const apps = [...all.keys()];
  // HPA moves, up and back down.
  const hpas = Object.values(app).filter((a) => a.hpa);
  for (let i = 0; i < rng.int(2, 7) && hpas.length; i++) {
    const a = rng.pick(hpas);
    const t = rng.uniform(start + 3 * MIN, end - 2 * MIN);
    s.at(t, 'noise', () => hpaMove(c, t, a.ns, a.name, rng.int(1, 3)));
  }
  // Routine rollouts by the CD tool and benign ConfigMap edits, mostly before the fault.
  for (let i = 0; i < rng.int(3, 8); i++) {
    const id = rng.pick([...apps, 'monitoring/grafana', 'ops-tools/status-page']);
    if (id === s.target) continue;
    const t = rng.uniform(start + 3 * MIN, rng.chance(0.8) ? tFault - 2 * MIN : end - MIN);
    benignChange(s, id, t, rng.pick(['helm', 'argocd-controller', 'kubectl-set']));
  }
  for (const ns of ['monitoring', 'ops-tools']) {
    const t = rng.uniform(start + 3 * MIN, end - MIN);
    s.at(t, 'noise', () => {
      const o = c.get('ConfigMap', ns, `${ns}-settings`);
      o.data = { ...o.data, LOG_LEVEL: rng.pick(['debug', 'warn', 'info']) };
      c.touch(o, 'helm', t, { 'f:data': {} });
      c.write(t, 'MODIFIED', o);
    });
  }
  // Unrelated alerts: info/warning capacity alerts, and an old latency alert that fired and resolved.
  for (let i = 0; i < rng.int(1, 4); i++) {
    const a = all.get(rng.pick(apps));
    const startsAt = rng.uniform(start + 5 * MIN, end - 3 * MIN);
    const alertname = rng.pick(['CPUThrottlingHigh', 'KubeHpaMaxedOut', 'KubeMemoryOvercommit']);
    const labels = {
      alertname,
      namespace: a.ns,
      service: a.name,
      severity: alertname === 'CPUThrottlingHigh' ? 'info' : 'warning',
    };
    s.at(startsAt + 30_000, 'noise', () => c.alert(startsAt + 30_000, { labels, startsAt }));
  }
  if (rng.chance(0.6)) {
    const a = all.get(rng.pick(apps));
    const startsAt = rng.uniform(start + 5 * MIN, tFault - 40 * MIN);
    const endsAt = startsAt + rng.uniform(4, 25) * MIN;
    const labels = { alertname: 'HighLatencyP99', namespace: a.ns, service: a.name, severity: 'warning' };
    s.at(startsAt + 30_000, 'noise', () => c.alert(startsAt + 30_000, { labels, startsAt }));
    s.at(endsAt + 30_000, 'noise', () =>
      c.alert(endsAt + 30_000, { status: 'resolved', labels, startsAt, endsAt }),
    );
  }
  // A one-off OOM restart of an unrelated pod (not on the fault's path).
  const bystander = rng.pick(apps.filter((x) => x !== s.target && !upstream(all, s.target).has(x)));
  if (bystander && rng.chance(0.5)) {
    const b = all.get(bystander);
    const t = rng.uniform(start + 5 * MIN, end - 5 * MIN);
    s.at(t, 'noise', () => podFault(c, t, t + 1_000, b.ns, b.name, 'oom'));
  }
  void T;
  void key;
}
