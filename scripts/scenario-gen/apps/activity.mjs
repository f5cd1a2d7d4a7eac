// What else happens in two hours of a cluster, healthy all of it (its consequences, like every other, come from
// the controllers and the applications' physics):
//   - an earlier change of the very workload (or Helm release, or ConfigMap) that later breaks, 10-40 min before
//     the faulty one, rolled out and healthy;
//   - routine rollouts of other workloads by the CD tool, before and after the fault, with the ordinary brief
//     unavailability of a rolling update (surge pod Pending -> ContainerCreating -> Running -> Ready, old pod
//     Terminating; a JVM with no readiness probe refusing connections while it starts);
//   - `kubectl rollout restart` of something unrelated, benign ConfigMap edits, traffic bursts the HPAs follow;
//   - after the page, a responder restarting the entry point or the failing workload;
//   - long-standing and unrelated alerts (node disk, a scrape target down, throttling).
import { iso, MIN } from './engine.mjs';
import { changeWorkload, editConfig, helmUpgrade, managerFor, nextImage, rolloutRestart } from './faults.mjs';

const main = (d) => d.spec.template.spec.containers[0];

/** A healthy change of a Deployment, as people make them. */
function benignMutation(world, w) {
  const { rng } = world;
  const kind = rng.pick(['image', 'image', 'env', 'env', 'resources']);
  if (kind === 'image') {
    const img = nextImage(world, main(w.dep).image);
    return { what: `image ${img}`, mutate: (d) => (main(d).image = img) };
  }
  if (kind === 'env') {
    const [k, v] = rng.pick([
      ['LOG_LEVEL', rng.pick(['debug', 'warn', 'info'])],
      ['OTEL_TRACES_SAMPLER_ARG', rng.pick(['0.25', '0.5', '0.1'])],
      ['GOMAXPROCS', rng.pick(['2', '4'])],
      ['FEATURE_NEW_NAVIGATION', rng.pick(['true', 'false'])],
      ['HTTP_KEEPALIVE_TIMEOUT', rng.pick(['30s', '75s'])],
    ]);
    return {
      what: `env ${k}=${v}`,
      mutate: (d) => {
        const env = (main(d).env ??= []);
        const e = env.find((x) => x.name === k);
        if (e) e.value = e.value === v ? `${v}0` : v;
        else env.push({ name: k, value: v });
      },
    };
  }
  return {
    what: 'resources (cpu)',
    mutate: (d) => {
      const r = main(d).resources ?? {};
      const cpu = r.requests?.cpu === '150m' ? '200m' : '150m';
      main(d).resources = { ...r, requests: { ...(r.requests ?? {}), cpu } };
    },
  };
}

/**
 * Schedules background activity and decoys around the fault `plan`. Returns decoy records
 * { kind, namespace, name, at: () => ms, role } (times can be known only when the write happens).
 */
export function planActivity(world, plan, { start, tFault, horizon }) {
  const { rng, sim, kube, topo } = world;
  const decoys = [];
  const ns = topo.namespaces[0];
  const apps = [...kube.workloads.values()].filter(
    (w) => !w.bystander && w.def.role !== 'loadgen' && topo.namespaces.includes(w.ns),
  );
  const others = apps.filter((w) => w !== plan.target && !plan.affected.includes(w));
  const record = (kind, w, role, at) => {
    const d = { kind, namespace: w.ns, name: w.name, role, t: at };
    decoys.push(d);
    return d;
  };

  // The earlier, healthy change of the same thing.
  if (plan.truth.kind === 'Deployment' && rng.chance(0.7)) {
    const t = tFault - rng.uniform(10, 40) * MIN;
    if (plan.type === 'helm-upgrade') {
      // An earlier upgrade of the same release, touching the workload that will break later.
      const picks = [
        plan.target,
        ...rng.shuffle(others.filter((w) => w.def.inRelease)).slice(0, rng.int(0, 2)),
      ];
      const muts = picks.map((w) => ({ w, ...benignMutation(world, w) }));
      sim.at(t, (tt) => {
        world.helmRevision ??= 1;
        const times = helmUpgradeOf(world, tt, muts);
        for (const m of muts)
          record(
            'Deployment',
            m.w,
            m.w === plan.target ? 'same-workload-earlier' : 'same-release-earlier',
            times.get(m.w),
          );
      });
    } else {
      const m = benignMutation(world, plan.target);
      const manager = managerFor(world);
      sim.at(t, (tt) =>
        record(
          'Deployment',
          plan.target,
          'same-workload-earlier',
          changeWorkload(world, tt, plan.target, m.mutate, manager),
        ),
      );
    }
  } else if (plan.truth.kind !== 'Deployment') {
    if (rng.chance(0.45)) {
      const t = tFault - rng.uniform(10, 40) * MIN;
      const m = benignMutation(world, plan.target);
      const manager = managerFor(world);
      sim.at(t, (tt) =>
        record(
          'Deployment',
          plan.target,
          'consumer-earlier',
          changeWorkload(world, tt, plan.target, m.mutate, manager),
        ),
      );
    }
  }
  // The restart that made a configuration edit take effect: a change of its own, not the cause.
  if (plan.trigger && plan.trigger.how !== 'pod-delete')
    decoys.push({
      kind: 'Deployment',
      namespace: plan.target.ns,
      name: plan.target.name,
      role: 'restart-that-applied-config',
      get t() {
        return plan.trigger.changedAt;
      },
    });
  decoys.push({
    sibling: true,
    get list() {
      return (plan.siblings ?? []).map((s) => ({
        kind: 'Deployment',
        namespace: s.w.ns,
        name: s.w.name,
        role: plan.type === 'helm-upgrade' ? 'same-upgrade-healthy' : 'same-apply-healthy',
        t: s.at,
      }));
    },
  });

  // Routine rollouts by the CD tool (mostly before the fault), some on the fault's path.
  const n = rng.int(2, 6);
  for (let i = 0; i < n; i++) {
    const w = rng.pick([...others, ...[...kube.workloads.values()].filter((x) => x.bystander)]);
    const t = rng.chance(0.7)
      ? rng.uniform(start + 4 * MIN, tFault - 2 * MIN)
      : rng.uniform(tFault + 1 * MIN, horizon - 5 * MIN);
    const m = benignMutation(world, w);
    const manager = w.bystander ? 'helm' : managerFor(world);
    sim.at(t, (tt) => {
      if (w.bystander) kube.changeDeployment(tt, w, m.mutate, 'helm');
      record(
        'Deployment',
        w,
        tt < tFault ? 'routine-rollout' : 'routine-rollout-after-fault',
        w.bystander ? tt : changeWorkload(world, tt, w, m.mutate, manager),
      );
    });
  }
  // Someone restarts an unrelated workload.
  if (rng.chance(0.55)) {
    const w = rng.pick(others);
    const t = rng.uniform(start + 5 * MIN, horizon - 10 * MIN);
    sim.at(t, (tt) => {
      rolloutRestart(world, tt, w);
      record('Deployment', w, 'rollout-restart', tt);
    });
  }
  // Benign ConfigMap edits.
  const benign = {
    'otel-demo': [
      [
        'ConfigMap',
        ns,
        'grafana-dashboards',
        (d) => ({
          ...d,
          'demo-dashboard.json': d['demo-dashboard.json']
            .replace(/"schemaVersion":\d+/, `"schemaVersion":${rng.int(39, 41)}`)
            .replace('"panels":[]', '"panels":[{"type":"timeseries","title":"Latency"}]'),
        }),
      ],
    ],
    'hotel-reservation': [
      [
        'ConfigMap',
        ns,
        'service-config',
        (d) => ({
          ...d,
          'config.json': JSON.stringify(
            {
              ...JSON.parse(d['config.json']),
              KnativeDomainName: rng.pick(['svc.cluster.local', 'example.com']),
            },
            null,
            2,
          ),
        }),
      ],
    ],
    bookinfo: [
      [
        'ConfigMap',
        'istio-system',
        'istio',
        (d) => ({
          ...d,
          mesh: d.mesh.replace(
            'enablePrometheusMerge: true',
            `enablePrometheusMerge: true\naccessLogFile: /dev/stdout`,
          ),
        }),
      ],
    ],
    'robot-shop': [
      [
        'ConfigMap',
        'ingress-nginx',
        'ingress-nginx-controller',
        (d) => ({ ...d, 'proxy-read-timeout': String(rng.pick([90, 120, 300])) }),
      ],
    ],
  }[topo.id];
  for (const [kind, cns, name, edit] of benign ?? [])
    if (rng.chance(0.55) && !(plan.truth.kind === kind && plan.truth.name === name)) {
      const t = rng.uniform(start + 5 * MIN, horizon - 8 * MIN);
      sim.at(t, (tt) => {
        editConfig(
          world,
          tt,
          kind,
          cns,
          name,
          edit,
          rng.pick(['kubectl-edit', 'kubectl-client-side-apply', 'helm']),
        );
        decoys.push({ kind, namespace: cns, name, role: 'config-edit', t: tt });
      });
    }
  // A burst of traffic (a marketing mail, a crawler): HPAs follow, latency may alert and resolve.
  if (rng.chance(0.4)) {
    const from = rng.uniform(start + 8 * MIN, tFault - 12 * MIN);
    world.loadSpikes.push({ from, to: from + rng.uniform(4, 12) * MIN, factor: rng.uniform(1.5, 2.4) });
  }
  // Alerts that have nothing to do with the incident.
  const noise = [];
  const node = rng.pick(world.nodes);
  if (rng.chance(0.5))
    noise.push({
      from: start - rng.int(2, 40) * 3_600_000,
      to: Infinity,
      alert: {
        rule: 'TargetDown',
        labels: {
          alertname: 'TargetDown',
          job: 'kube-proxy',
          namespace: 'kube-system',
          service: 'kube-prometheus-stack-kube-proxy',
          severity: 'warning',
        },
        annotations: {
          description:
            '100% of the kube-proxy/kube-prometheus-stack-kube-proxy targets in kube-system namespace are down.',
          runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/general/targetdown',
          summary: 'One or more targets are unreachable.',
        },
        expr: '100 * (count by (cluster, job, namespace, service) (up == 0) / count by (cluster, job, namespace, service) (up)) > 10',
      },
    });
  if (rng.chance(0.45)) {
    const from = rng.uniform(start, horizon - 20 * MIN);
    noise.push({
      from,
      to: from + rng.uniform(20, 90) * MIN,
      alert: {
        rule: 'NodeFilesystemSpaceFillingUp',
        labels: {
          alertname: 'NodeFilesystemSpaceFillingUp',
          container: 'node-exporter',
          device: '/dev/nvme0n1p1',
          fstype: 'ext4',
          instance: `${node.ip}:9100`,
          job: 'node-exporter',
          mountpoint: '/',
          namespace: 'monitoring',
          severity: 'warning',
        },
        annotations: {
          description: `Filesystem on /dev/nvme0n1p1, mounted on /, at ${node.ip}:9100 has only ${rng.int(12, 19)}.${rng.int(0, 99)}% available space left and is filling up.`,
          runbook_url: 'https://runbooks.prometheus-operator.dev/runbooks/node/nodefilesystemspacefillingup',
          summary: 'Filesystem is predicted to run out of space within the next 24 hours.',
        },
        expr: 'node_filesystem_avail_bytes / node_filesystem_size_bytes * 100 < 20 and predict_linear(node_filesystem_avail_bytes[6h], 24*60*60) < 0',
      },
    });
  }
  if (rng.chance(0.3)) {
    const from = rng.uniform(start, horizon - 15 * MIN);
    noise.push({
      from,
      to: from + rng.uniform(6, 30) * MIN,
      alert: {
        rule: 'KubeClientCertificateExpiration',
        labels: {
          alertname: 'KubeClientCertificateExpiration',
          job: 'apiserver',
          namespace: 'default',
          severity: 'warning',
        },
        annotations: {
          description:
            'A client certificate used to authenticate to kubernetes apiserver is expiring in less than 7.0 days.',
          summary: 'Client certificate is about to expire.',
        },
        expr: 'histogram_quantile(0.01, sum without (namespace, service, endpoint) (rate(apiserver_client_certificate_expiration_seconds_bucket{job="apiserver"}[5m]))) < 604800',
      },
    });
  }
  world.extraAlerts = (t) =>
    noise
      .filter((x) => t >= x.from && t < x.to)
      .map((x) => ({
        ...x.alert,
        for: 0,
        subject: { kind: 'other' },
        firedAt: x.from < start ? x.from : undefined,
      }));
  return decoys;
}

/** An earlier Helm upgrade (values only) of the release. */
function helmUpgradeOf(world, t, muts) {
  if (!(world.topo.release && world.profile.deployTool === 'helm')) {
    const times = new Map();
    let at = t;
    for (const m of muts) {
      times.set(m.w, changeWorkload(world, at, m.w, m.mutate, managerFor(world)));
      at += world.rng.int(10, 60);
    }
    return times;
  }
  return helmUpgrade(
    world,
    t,
    muts.map((m) => ({ w: m.w, mutate: m.mutate })),
  );
}

/** After the page: a responder restarts the entry point or the workload that fails, before the investigation. */
export function responderAction(world, plan, t, entryW) {
  const { rng } = world;
  const who = rng.chance(0.6) ? entryW : plan.target;
  if (!who?.dep) return null;
  rolloutRestart(world, t, who);
  return { kind: 'Deployment', namespace: who.ns, name: who.name, role: 'responder-restart', t };
}

export { iso };
