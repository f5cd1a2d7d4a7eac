// The faulty change of each scenario, made the way people and tools make it; its consequences are not written
// here but follow from the applications' physics (behaviour.mjs) and the controllers (kube.mjs).
//
//   bad-image-tag       an image tag the registry does not have (a typo, an unpublished version, a wrong path)
//   memory-limit        a lowered (or newly set) memory limit, below the start-up footprint or the working set
//   readiness-probe     a readiness probe on a path the application does not answer (or HTTP on a gRPC port)
//   configmap-restart   a ConfigMap edit that takes effect only when the consumer's pods restart; the restart
//                       comes minutes later (kubectl rollout restart, an unrelated image bump, a deleted pod)
//   secret-restart      the same with a Secret (a rotated database password the database does not know)
//   scale-down-latency  replicas 4 -> 1 on a busy service: slower, no errors
//   helm-upgrade        a Helm upgrade of several workloads in one second, one of them a broken release
//   bulk-apply          the same through `kubectl apply` of several manifests (Bookinfo, hotelReservation)
//   bad-release-errors  a new image version that answers part of its requests with errors
//   latency-regression  a new image version that is slower (and often hungrier for CPU)
import { clone, iso, isoSec, MIN, SEC } from './engine.mjs';
import { helmReleaseSecret } from './world.mjs';

export const APP_FAULTS = [
  'bad-image-tag',
  'memory-limit',
  'readiness-probe',
  'configmap-restart',
  'secret-restart',
  'scale-down-latency',
  'helm-upgrade',
  'bad-release-errors',
  'latency-regression',
];

const NICE_MI = [8, 10, 12, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 192, 256, 320, 384, 512, 640, 768];

/** The workloads of the application a fault may hit: reachable from the traffic sources over the real calls. */
export function reachable(world) {
  const { kube, services, sources } = world;
  const seen = new Set();
  const stack = sources.map((s) => s.to);
  while (stack.length) {
    const id = stack.pop();
    for (const w of services.get(id)?.workloads ?? []) {
      if (seen.has(w)) continue;
      seen.add(w);
      for (const c of w.calls) if (c.perReq > 0) stack.push(c.to);
    }
  }
  return [...kube.workloads.values()].filter((w) => seen.has(w) && !w.bystander);
}

/** Callers of a workload, transitively, over the real calls (its Service's callers and theirs). */
export function upstreamOf(world, targets) {
  const out = new Set(targets);
  let grew = true;
  while (grew) {
    grew = false;
    for (const w of world.kube.workloads.values()) {
      if (out.has(w)) continue;
      if (w.calls.some((c) => c.perReq > 0 && [...out].some((x) => `${x.ns}/${x.def.service}` === c.to))) {
        out.add(w);
        grew = true;
      }
    }
  }
  return out;
}

/** Expected requests/s into each Service at time t when everything is healthy. */
export function expectedLoad(world, t) {
  const load = new Map();
  const add = (id, r) => load.set(id, (load.get(id) ?? 0) + r);
  const visit = (id, r, depth) => {
    if (depth > 12 || r <= 0) return;
    add(id, r);
    const ws = world.services.get(id)?.workloads ?? [];
    const total = ws.reduce((n, w) => n + (w.dep?.spec.replicas ?? 1), 0) || 1;
    for (const w of ws)
      for (const c of w.calls) visit(c.to, (r * (w.dep?.spec.replicas ?? 1) * c.perReq) / total, depth + 1);
  };
  for (const s of world.sources) visit(s.to, world.load(t) * s.share, 0);
  return load;
}

// ---- images ---------------------------------------------------------------------------------------------------

const used = new WeakMap();
/** The next version of an image (patch or minor bump of the tag's version; a tag-less or `latest` image gets one). */
export function nextImage(world, image, step = 'patch') {
  const { rng } = world;
  const set = used.get(world) ?? new Set();
  used.set(world, set);
  const m = /^(.*:)([^:/]*?)(\d+)\.(\d+)\.(\d+)([^:/]*)$/.exec(image);
  const m2 = /^(.*:)([^:/]*?)(\d+)\.(\d+)([^:/.\d][^:/]*)?$/.exec(image);
  let out;
  for (let k = 1; k < 50; k++) {
    if (m) {
      const [, head, pre, a, b, c, post] = m;
      out =
        step === 'minor'
          ? `${head}${pre}${a}.${Number(b) + k}.0${post}`
          : `${head}${pre}${a}.${b}.${Number(c) + k}${post}`;
    } else if (m2) {
      const [, head, pre, a, b, post = ''] = m2;
      out = `${head}${pre}${a}.${Number(b) + k}${post}`;
    } else
      out = `${image.replace(/:[^:/]*$/, '')}:${step === 'minor' ? `0.${3 + k}.0` : `v0.2.${k + rng.int(0, 3)}`}`;
    if (!set.has(out) && out !== image) break;
  }
  set.add(out);
  return out;
}

/** An image reference nobody pushed: a typo in the tag, a version not yet published, or a wrong repository path. */
function missingImage(world, image) {
  const { rng } = world;
  const kind = rng.pick(['typo', 'unpublished', 'unpublished', 'path']);
  if (kind === 'typo' && /\d+\.\d+\.\d+/.test(image)) {
    const variants = [
      image.replace(/(\d+)\.(\d+)\.(\d+)/, (_, a, b, c) => `${a}.${b}.${c}${c.at(-1)}`),
      image.replace(/(\d+)\.(\d+)\.(\d+)/, (_, a, b, c) => `${a}.${b}${c}`),
      image.replace(/:(\d)/, ':v$1'),
    ];
    return rng.pick(variants.filter((v) => v !== image));
  }
  if (kind === 'path') {
    if (image.includes('open-telemetry/demo'))
      return image.replace('open-telemetry/demo', 'opentelemetry/demo');
    if (image.startsWith('robotshop/')) return image.replace('robotshop/', 'robot-shop/');
    if (image.includes('docker.io/istio/'))
      return image.replace('docker.io/istio/', 'docker.io/istio-release/');
    if (image.startsWith('deathstarbench/')) return image.replace('deathstarbench/', 'deathstarbench-ci/');
  }
  return nextImage(world, image, rng.chance(0.5) ? 'minor' : 'patch').replace(/(\d+)$/, (n) =>
    String(Number(n) + 10),
  );
}

// ---- writes -----------------------------------------------------------------------------------------------------

const restartStamp = (world, t) => {
  // kubectl writes time.Now() in RFC 3339 with the local offset of the person's machine.
  const off = world.profile.userTz;
  const local = new Date(Math.floor(t / 1000) * 1000 + off * 3_600_000).toISOString().replace('.000Z', '');
  return off === 0
    ? `${local}Z`
    : `${local}${off > 0 ? '+' : '-'}${String(Math.abs(off)).padStart(2, '0')}:00`;
};

/** `kubectl rollout restart deployment/<name>` at t. */
export function rolloutRestart(world, t, w) {
  world.kube.changeDeployment(
    t,
    w,
    (d) =>
      (d.spec.template.metadata.annotations = {
        ...(d.spec.template.metadata.annotations ?? {}),
        'kubectl.kubernetes.io/restartedAt': restartStamp(world, t),
      }),
    'kubectl-rollout',
    {
      fields: {
        'f:spec': {
          'f:template': { 'f:metadata': { 'f:annotations': { 'f:kubectl.kubernetes.io/restartedAt': {} } } },
        },
      },
    },
  );
}

/** A Helm upgrade: the new release record, the changed objects in Helm's order, the old record superseded. */
export function helmUpgrade(world, t, changes, { chartBump = false, relabel = [] } = {}) {
  const { sim, rng, topo } = world;
  const rel = topo.release;
  world.helmRevision = (world.helmRevision ?? 1) + 1;
  const v = world.helmRevision;
  const secret = helmReleaseSecret(rng, rel, v, 'pending-upgrade', t);
  sim.create(t, secret);
  let at = t + rng.int(150, 600);
  for (const o of relabel) {
    o.metadata.labels = { ...o.metadata.labels, 'helm.sh/chart': `${rel.chart}-${world.chartVersion}` };
    sim.touch(o, 'helm', at, { 'f:metadata': { 'f:labels': { 'f:helm.sh/chart': {} } } });
    sim.update(at, o);
    at += rng.int(4, 30);
  }
  const times = new Map();
  for (const { w, mutate } of [...changes].sort((a, b) => (a.w.name < b.w.name ? -1 : 1))) {
    const stamp = at;
    world.kube.changeDeployment(
      stamp,
      w,
      (d) => {
        if (chartBump && d.metadata.labels['helm.sh/chart'])
          d.metadata.labels['helm.sh/chart'] = `${rel.chart}-${world.chartVersion}`;
        mutate(d);
      },
      'helm',
    );
    times.set(w, stamp);
    at += rng.int(6, 45);
  }
  const prev = sim.get('Secret', rel.ns, `sh.helm.release.v1.${rel.name}.v${v - 1}`);
  const done = at + rng.int(200, 700);
  if (prev) {
    prev.metadata.labels = {
      ...prev.metadata.labels,
      status: 'superseded',
      modifiedAt: String(Math.floor(done / 1000)),
    };
    sim.touch(prev, 'helm', done, { 'f:metadata': { 'f:labels': {} } });
    sim.update(done, prev);
  }
  secret.metadata.labels = {
    ...secret.metadata.labels,
    status: 'deployed',
    modifiedAt: String(Math.floor(done / 1000)),
  };
  sim.touch(secret, 'helm', done + 20, { 'f:metadata': { 'f:labels': {} } });
  sim.update(done + 20, secret);
  return times;
}

/** A change of one Deployment by `manager` (Helm makes it an upgrade of the release). Returns the write time. */
export function changeWorkload(world, t, w, mutate, manager) {
  if (manager === 'helm' && world.topo.release && w.def.inRelease && world.profile.deployTool === 'helm')
    return helmUpgrade(world, t, [{ w, mutate }]).get(w);
  world.kube.changeDeployment(t, w, mutate, manager);
  return t;
}

/** A ConfigMap or Secret data edit. */
export function editConfig(world, t, kind, ns, name, edit, manager) {
  const { sim } = world;
  const o = sim.get(kind, ns, name);
  o.data = edit(clone(o.data));
  sim.touch(o, manager, t, { 'f:data': Object.fromEntries(Object.keys(o.data).map((k) => [`f:${k}`, {}])) });
  sim.update(t, o);
  world.configs.get(`${kind}/${ns}/${name}`).push({ t, data: clone(o.data) });
}

export function managerFor(world, fault) {
  const { rng, profile } = world;
  if (profile.deployTool === 'helm')
    return rng.pick(
      fault === 'scale'
        ? ['kubectl-scale', 'kubectl-scale', 'helm']
        : ['helm', 'helm', 'kubectl-set', 'kubectl-edit'],
    );
  if (profile.deployTool === 'argocd-controller')
    return rng.pick(
      fault === 'scale'
        ? ['kubectl-scale', 'argocd-controller']
        : ['argocd-controller', 'argocd-controller', 'kubectl-set'],
    );
  return rng.pick(
    fault === 'scale'
      ? ['kubectl-scale', 'kubectl-scale', 'kubectl-client-side-apply']
      : ['kubectl-client-side-apply', 'kubectl-set', 'kubectl-edit', 'kubectl-patch'],
  );
}

const main = (d) => d.spec.template.spec.containers[0];

// ---- faults -------------------------------------------------------------------------------------------------------

/** Before the cluster is built: faults that need a particular starting point (four replicas of a busy service). */
export function prepareFault(topo, fault, rng) {
  if (fault !== 'scale-down-latency') return {};
  const ns = topo.namespaces[0];
  // A Service with this one Deployment behind it (scaling down one version of several only moves the load).
  const alone = (d) => topo.deployments.filter((x) => x.ns === d.ns && x.service === d.service).length === 1;
  const cands = topo.deployments.filter(
    (d) =>
      d.ns === ns &&
      d.role === 'app' &&
      d.service &&
      alone(d) &&
      !d.hpa &&
      !['load-generator', 'load'].includes(d.name) &&
      d.runtime !== 'nginx',
  );
  // Busy: the most work per second among the services (requests/s times own service time), as the owner of a
  // CPU-heavy service on the main path would have it; queueing on a 2 ms gRPC service that a few requests touch
  // stays far below any latency alert a person would set.
  const rps = new Map();
  const visit = (id, r, depth) => {
    if (depth > 12 || r <= 0) return;
    rps.set(id, (rps.get(id) ?? 0) + r);
    const ws = topo.deployments.filter((x) => x.service && `${x.ns}/${x.service}` === id);
    const tot = ws.reduce((n, x) => n + x.replicas, 0) || 1;
    for (const x of ws) for (const c of x.calls) visit(c.to, (r * x.replicas * c.perReq) / tot, depth + 1);
  };
  for (const src of topo.sources) visit(src.to, src.share, 0);
  const share = (d) =>
    d.replicas /
    topo.deployments
      .filter((x) => x.service === d.service && x.ns === d.ns)
      .reduce((n, x) => n + x.replicas, 0);
  const score = (d) => (rps.get(`${d.ns}/${d.service}`) ?? 0) * share(d) * d.model.baseMs;
  const heavy = cands.filter((d) => d.model.baseMs >= 5);
  const ranked = [...(heavy.length ? heavy : cands)].sort((a, b) => score(b) - score(a)).slice(0, 2);
  const d = rng.pick(ranked);
  d.replicas = 4;
  return { scaleTarget: `${d.ns}/${d.name}` };
}

/**
 * Schedules the fault at tFault. Returns { type, truth: { kind, namespace, name, type }, changedAt (ms), target,
 * affected (workloads whose own pods or requests go bad), effectFrom, trigger, siblings, meta }.
 */
export function injectFault(world, fault, tFault, prep) {
  const { rng, kube, topo, sim } = world;
  const ns = topo.namespaces[0];
  const reach = reachable(world).filter((w) => w.ns === ns && w.def.role !== 'loadgen');
  const apps = reach.filter((w) => w.def.role === 'app');
  const plan = { type: fault, meta: {}, siblings: [], trigger: null };
  const deploymentTruth = (w, at, type) => {
    plan.truth = { kind: 'Deployment', namespace: w.ns, name: w.name, type };
    plan.changedAt = at;
    plan.target = w;
    plan.affected = [w];
    plan.effectFrom = at;
  };

  if (fault === 'bad-image-tag') {
    const w = rng.pick(reach.filter((x) => x.def.role !== 'infra'));
    const bad = missingImage(world, main(w.dep).image);
    world.registry.set(bad, { missing: true });
    const manager = managerFor(world);
    sim.at(
      tFault,
      (t) => (plan.changedAt = changeWorkload(world, t, w, (d) => (main(d).image = bad), manager)),
    );
    deploymentTruth(w, tFault, fault);
    Object.assign(plan.meta, { image: bad, manager });
  } else if (fault === 'memory-limit') {
    const fits = apps.filter((w) => w.def.model.memMi >= 8);
    const w = rng.pick(fits);
    const m = w.def.model;
    const atStart = rng.chance(0.4);
    const lo = atStart ? m.startMi * 0.45 : m.startMi * 1.08;
    const hi = atStart ? m.startMi * 0.92 : m.memMi * 0.92;
    const nice = NICE_MI.filter((x) => x >= lo && x <= hi);
    const limit = nice.length ? rng.pick(nice) : Math.max(4, Math.round((lo + hi) / 2));
    const manager = managerFor(world);
    sim.at(
      tFault,
      (t) =>
        (plan.changedAt = changeWorkload(
          world,
          t,
          w,
          (d) => {
            const r = main(d).resources ?? {};
            r.limits = { ...(r.limits ?? {}), memory: `${limit}Mi` };
            if (r.requests?.memory && parseInt(r.requests.memory, 10) > limit)
              r.requests = { ...r.requests, memory: `${limit}Mi` };
            main(d).resources = r;
          },
          manager,
        )),
    );
    deploymentTruth(w, tFault, fault);
    Object.assign(plan.meta, {
      limit: `${limit}Mi`,
      workingSetMi: Math.round(m.memMi),
      startMi: Math.round(m.startMi),
      expected: atStart ? 'oom-at-start' : 'oom-under-load',
      manager,
    });
  } else if (fault === 'readiness-probe') {
    const fits = reach.filter(
      (w) =>
        w.def.role === 'app' && (w.def.model.protocol === 'grpc' || (w.def.model.healthPaths ?? []).length),
    );
    const w = rng.pick(fits.length ? fits : apps);
    const paths = w.def.model.healthPaths ?? [];
    const wrong = rng.pick(
      ['/healthz', '/ready', '/health', '/readyz', '/api/health', '/status', '/_health'].filter(
        (p) => !paths.includes(p),
      ),
    );
    const port = main(w.dep).ports?.[0]?.containerPort ?? 8080;
    const manager = managerFor(world);
    sim.at(
      tFault,
      (t) =>
        (plan.changedAt = changeWorkload(
          world,
          t,
          w,
          (d) => {
            const c = main(d);
            c.readinessProbe = c.readinessProbe
              ? { ...c.readinessProbe, httpGet: { ...c.readinessProbe.httpGet, path: wrong } }
              : {
                  httpGet: { path: wrong, port, scheme: 'HTTP' },
                  initialDelaySeconds: rng.pick([0, 5, 10]),
                  periodSeconds: rng.pick([5, 10]),
                  timeoutSeconds: 1,
                  successThreshold: 1,
                  failureThreshold: 3,
                };
          },
          manager,
        )),
    );
    deploymentTruth(w, tFault, fault);
    Object.assign(plan.meta, { path: wrong, protocol: w.def.model.protocol ?? 'http', manager });
  } else if (fault === 'configmap-restart' || fault === 'secret-restart') {
    configFault(world, plan, fault, tFault);
  } else if (fault === 'scale-down-latency') {
    const w = kube.workloads.get(prep.scaleTarget);
    // A busy service: four replicas run at about a fifth of their capacity; one has to carry it all.
    const svcId = `${w.ns}/${w.def.service}`;
    // Busy: at the crest of the load the one replica left runs at 0.85-0.985 of its capacity (the change lands
    // near a crest), never saturated: slower, not failing.
    const now = expectedLoad(world, tFault).get(svcId) ?? 0;
    let peak = now;
    for (let t = tFault; t < tFault + 95 * MIN; t += 20 * SEC)
      peak = Math.max(peak, expectedLoad(world, t).get(svcId) ?? 0);
    const rhoPeak = w.def.model.baseMs >= 5 ? rng.uniform(0.85, 0.95) : rng.uniform(0.97, 0.99);
    const cap = peak / rhoPeak;
    w.def.model = { ...w.def.model, capRps: Math.max(1, cap) };
    const rho1 = now / cap;
    const manager = managerFor(world, 'scale');
    sim.at(tFault, (t) => {
      if (manager === 'kubectl-scale')
        kube.changeDeployment(t, w, (d) => (d.spec.replicas = 1), manager, { subresource: 'scale' });
      else plan.changedAt = changeWorkload(world, t, w, (d) => (d.spec.replicas = 1), manager);
    });
    deploymentTruth(w, tFault, fault);
    Object.assign(plan.meta, { from: 4, to: 1, utilizationAtOne: Number(rho1.toFixed(2)), manager });
  } else if (fault === 'helm-upgrade') {
    multiUpgrade(world, plan, tFault, apps);
  } else if (fault === 'bad-release-errors' || fault === 'latency-regression') {
    const w = rng.pick(apps.filter((x) => x.def.runtime !== 'envoy' || rng.chance(0.3)));
    const img = nextImage(world, main(w.dep).image, rng.chance(0.3) ? 'minor' : 'patch');
    const eff =
      fault === 'bad-release-errors'
        ? { err: rng.pick([rng.uniform(0.04, 0.12), rng.uniform(0.1, 0.35), rng.uniform(0.3, 0.8)]) }
        : rng.chance(0.5)
          ? {
              latAddMs: Math.round(rng.uniform(80, 700)),
              cpuFactor: rng.chance(0.5) ? rng.uniform(1.5, 3) : 1,
            }
          : { latFactor: rng.uniform(3, 9), cpuFactor: rng.uniform(1.2, 3) };
    world.registry.set(img, eff);
    const manager = managerFor(world);
    sim.at(
      tFault,
      (t) => (plan.changedAt = changeWorkload(world, t, w, (d) => (main(d).image = img), manager)),
    );
    deploymentTruth(w, tFault, fault);
    Object.assign(plan.meta, { image: img, effect: roundAll(eff), manager });
  }
  return plan;
}

function roundAll(o) {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? Number(v.toFixed(3)) : v]),
  );
}

/** Several workloads in one second: a Helm upgrade where the chart has a release, else `kubectl apply`. */
function multiUpgrade(world, plan, tFault, apps) {
  const { rng, topo, kube, sim } = world;
  const helm = !!topo.release && world.profile.deployTool === 'helm';
  plan.type = helm ? 'helm-upgrade' : 'bulk-apply';
  const inRelease = apps.filter((w) => (helm ? w.def.inRelease : true));
  let changes;
  let faulty;
  if (topo.id === 'hotel-reservation') {
    // Right-sizing: memory limits added to several services at once; one of them below its working set.
    const picks = rng.shuffle(inRelease).slice(0, rng.int(4, 6));
    faulty = rng.pick(picks);
    changes = picks.map((w) => {
      const m = w.def.model;
      const limit =
        w === faulty
          ? (NICE_MI.filter((x) => x < m.memMi * 0.9 && x > m.startMi * 0.5).at(-1) ?? 8)
          : (NICE_MI.find((x) => x >= m.memMi * 2.5) ?? 1024);
      return {
        w,
        mutate: (d) =>
          (main(d).resources = {
            ...main(d).resources,
            limits: { ...main(d).resources.limits, memory: `${limit}Mi` },
            requests: {
              ...main(d).resources.requests,
              memory: `${Math.min(limit, NICE_MI.find((x) => x >= m.memMi) ?? 64)}Mi`,
            },
          }),
        limit,
      };
    });
    plan.meta.change = 'memory limits';
  } else {
    // A new release of the application: every component image moves; one of the new images is broken.
    const picks =
      topo.id === 'otel-demo'
        ? rng
            .shuffle(inRelease.filter((w) => /open-telemetry\/demo/.test(main(w.dep).image)))
            .slice(0, rng.int(3, 5))
        : inRelease.filter((w) =>
            topo.id === 'robot-shop'
              ? /robotshop\/rs-/.test(main(w.dep).image) && w.def.role !== 'loadgen'
              : w.ns === topo.namespaces[0] && !/mysql/.test(w.name),
          );
    faulty = rng.pick(picks.filter((w) => w.def.role === 'app'));
    const crash = rng.chance(0.4);
    changes = picks.map((w) => {
      const img = nextImage(world, main(w.dep).image, topo.id === 'otel-demo' ? 'patch' : 'minor');
      if (w === faulty)
        world.registry.set(
          img,
          crash ? { crash: { afterMs: [300, 2500] } } : { err: rng.uniform(0.15, 0.7) },
        );
      return { w, mutate: (d) => (main(d).image = img), image: img };
    });
    plan.meta.change = 'release';
    plan.meta.faultyRelease = crash ? 'exits at start' : 'serves errors';
  }
  if (helm) {
    world.chartVersion = topo.release.version.replace(/(\d+)$/, (n) => String(Number(n) + 1));
    const relabel = topo.release.chartLabel
      ? [...sim.store.values()].filter(
          (o) =>
            o.metadata?.namespace === topo.release.ns &&
            o.metadata.labels?.['helm.sh/chart']?.startsWith(`${topo.release.chart}-`) &&
            !['Deployment', 'ReplicaSet', 'Pod', 'Event'].includes(o.kind),
        )
      : [];
    sim.at(tFault, (t) => {
      const times = helmUpgrade(world, t, changes, { chartBump: !!topo.release.chartLabel, relabel });
      plan.changedAt = times.get(faulty);
      plan.siblings = changes.filter((c) => c.w !== faulty).map((c) => ({ w: c.w, at: times.get(c.w) }));
    });
    // Workloads of the chart whose template did not change still get the new chart label (metadata only).
    if (topo.release.chartLabel)
      sim.at(tFault + 5, (t) => {
        for (const w of kube.workloads.values()) {
          if (
            !w.def.inRelease ||
            changes.some((c) => c.w === w) ||
            w.dep.metadata.labels['helm.sh/chart'] !== `${topo.release.chart}-${topo.release.version}`
          )
            continue;
          kube.changeDeployment(
            t + rng.int(1, 400),
            w,
            (d) => (d.metadata.labels['helm.sh/chart'] = `${topo.release.chart}-${world.chartVersion}`),
            'helm',
            { fields: { 'f:metadata': { 'f:labels': { 'f:helm.sh/chart': {} } } } },
          );
        }
      });
  } else {
    const manager =
      world.profile.deployTool === 'argocd-controller' ? 'argocd-controller' : 'kubectl-client-side-apply';
    sim.at(tFault, (t) => {
      let at = t;
      plan.siblings = [];
      for (const c of changes) {
        kube.changeDeployment(at, c.w, c.mutate, manager);
        if (c.w === faulty) plan.changedAt = at;
        else plan.siblings.push({ w: c.w, at });
        at += rng.int(15, 90);
      }
    });
  }
  plan.truth = { kind: 'Deployment', namespace: faulty.ns, name: faulty.name, type: plan.type };
  plan.changedAt = tFault;
  plan.target = faulty;
  plan.affected = [faulty];
  plan.effectFrom = tFault;
  plan.meta.workloads = changes.map((c) => c.w.name);
}

/** Configuration that takes effect when the consumer restarts; the restart comes later, from someone else. */
function configFault(world, plan, fault, tFault) {
  const { rng, topo, kube } = world;
  const ns = topo.namespaces[0];
  const get = (name) => kube.workloads.get(`${ns}/${name}`);
  let kind = fault === 'secret-restart' ? 'Secret' : 'ConfigMap';
  // Bookinfo keeps no ConfigMap of its own, hotelReservation no Secret: the other kind stands in.
  if (kind === 'ConfigMap' && topo.id === 'bookinfo') kind = 'Secret';
  if (kind === 'Secret' && topo.id === 'hotel-reservation') kind = 'ConfigMap';
  plan.type = kind === 'Secret' ? 'secret-restart' : 'configmap-restart';
  let name;
  let consumer;
  let affected;
  let edit;
  const manager = rng.pick(
    world.profile.deployTool === 'helm'
      ? ['kubectl-edit', 'kubectl-client-side-apply', 'kubectl-patch']
      : world.profile.deployTool === 'argocd-controller'
        ? ['argocd-controller', 'kubectl-edit']
        : ['kubectl-edit', 'kubectl-client-side-apply', 'kubectl-patch'],
  );
  const rotate =
    (key, fmt = (p) => p) =>
    (d) => {
      const p = `${rng.pick(['r', 'n', 'k'])}${rng.hex(14)}`;
      d[key] = Buffer.from(fmt(p)).toString('base64');
      return d;
    };
  if (topo.id === 'otel-demo' && kind === 'ConfigMap') {
    if (rng.chance(0.65)) {
      // A failure flag turned on in flagd-config; flagd only reads its copy at start.
      name = 'flagd-config';
      consumer = get('flagd');
      const flag = rng.pick([
        'paymentFailure',
        'cartFailure',
        'productCatalogFailure',
        'adFailure',
        'paymentUnreachable',
        'imageSlowLoad',
        'adHighCpu',
      ]);
      const f = topo.flags[flag];
      const variant = rng.pick(
        Object.keys(f.variants).filter(
          (v) => v !== 'off' && (typeof f.variants[v] !== 'number' || f.variants[v] >= 0.25),
        ),
      );
      edit = (d) => {
        const doc = JSON.parse(d['demo.flagd.json']);
        doc.flags[flag].defaultVariant = variant;
        d['demo.flagd.json'] = JSON.stringify(doc, null, 2);
        return d;
      };
      affected = [get(f.target)];
      plan.meta.flag = `${flag}=${variant}`;
    } else {
      name = 'product-catalog-product-catalog-otel-config';
      consumer = get('product-catalog');
      edit = (d) => {
        d['otel-config.yml'] = d['otel-config.yml'].replace(
          '      value: product-catalog\n',
          '      value: product-catalog\n    attributes_list: ${OTEL_RESOURCE_ATTRIBUTES\n',
        );
        return d;
      };
      affected = [consumer];
      plan.meta.change = 'otel-config.yml broken';
    }
  } else if (topo.id === 'otel-demo') {
    name = 'astronomy-db-credentials';
    consumer = get('product-catalog');
    world.authFailureMode.set(
      `${ns}/product-catalog`,
      rng.chance(0.5) ? { crash: { afterMs: [200, 1500] } } : { err: 1 },
    );
    edit = (d) => {
      const p = `astro-${rng.hex(12)}`;
      d.password = Buffer.from(p).toString('base64');
      d['connection-string'] = Buffer.from(
        `postgres://astronomy_user:${p}@astronomy-db/astronomy_db?sslmode=disable`,
      ).toString('base64');
      return d;
    };
    affected = [consumer];
    plan.meta.change = 'password rotated in the Secret only';
  } else if (topo.id === 'hotel-reservation') {
    name = 'service-config';
    consumer = rng.pick(
      ['geo', 'profile', 'rate', 'recommendation', 'user', 'reservation', 'search'].map(get),
    );
    const cfg = JSON.parse(world.config('ConfigMap', ns, 'service-config', -1)['config.json']);
    const keys = Object.keys(cfg).filter(
      (k) =>
        /Address$/.test(k) &&
        k
          .toLowerCase()
          .includes(
            consumer.name
              .replace('reservation', 'reserve')
              .replace('recommendation', 'recommend')
              .slice(0, 4),
          ),
    );
    const key = consumer.name === 'search' || !keys.length ? 'consulAddress' : rng.pick(keys);
    const wrongs = { consulAddress: ['consul:8501', 'consul.hotel-res:8500', 'consul-server:8500'] };
    const value = wrongs[key]
      ? rng.pick(wrongs[key])
      : rng.pick([
          cfg[key].replace(/:(\d+)$/, (_, p) => `:${Number(p) + 1}`),
          cfg[key].replace(/^([^:]+)/, '$1-0'),
          cfg[key].replace('-', '_'),
        ]);
    edit = (d) => {
      const c = JSON.parse(d['config.json']);
      c[key] = value;
      d['config.json'] = JSON.stringify(c, null, 2);
      return d;
    };
    affected = [consumer];
    plan.meta.change = `${key}: ${cfg[key]} -> ${value}`;
  } else if (topo.id === 'bookinfo') {
    name = 'mysql-credentials';
    consumer = get('ratings-v2-mysql');
    edit = rotate('rootpasswd');
    affected = [consumer];
    plan.meta.change = 'root password rotated in the Secret only';
  } else if (kind === 'ConfigMap') {
    name = 'payment-config';
    consumer = get('payment');
    const which = rng.pick(['AMQP_HOST', 'PAYMENT_GATEWAY', 'PAYMENT_DELAY_MS']);
    const value = {
      AMQP_HOST: rng.pick(['rabbitmq.robot-shop', 'rabbit-mq', 'rabbitmq.messaging.svc']),
      PAYMENT_GATEWAY: rng.pick(['https://api.sandbox.paypal.com/', 'https://www.worldpay.com']),
      PAYMENT_DELAY_MS: String(rng.pick([800, 1500, 3000])),
    }[which];
    edit = (d) => ({ ...d, [which]: value });
    affected = [consumer];
    plan.meta.change = `${which}=${value}`;
  } else {
    name = 'shipping-db-credentials';
    consumer = get('shipping');
    edit = rotate('password');
    affected = [consumer];
    plan.meta.change = 'password rotated in the Secret only';
  }
  world.sim.at(tFault, (t) => editConfig(world, t, kind, ns, name, edit, manager));
  // Minutes later, something restarts the consumer's pods: they start with the new data.
  const delay = rng.uniform(3, 38) * MIN;
  const tTrigger = tFault + delay;
  const how = rng.pick([
    'rollout-restart',
    'rollout-restart',
    'rollout-restart',
    'image-bump',
    'image-bump',
    'pod-delete',
  ]);
  world.sim.at(tTrigger, (t) => {
    if (how === 'rollout-restart') rolloutRestart(world, t, consumer);
    else if (how === 'image-bump') {
      const img = nextImage(world, main(consumer.dep).image);
      plan.trigger.changedAt = changeWorkload(
        world,
        t,
        consumer,
        (d) => (main(d).image = img),
        managerFor(world),
      );
      plan.trigger.image = img;
    } else {
      const pods = consumer.rss.flatMap((rs) => rs.pods).filter((p) => !p.gone && !p.terminating);
      const p = rng.pick(pods);
      if (p) kube.deletePod(p, t);
      plan.trigger.pod = p?.name;
    }
  });
  plan.truth = { kind, namespace: ns, name, type: plan.type };
  plan.changedAt = tFault;
  plan.target = consumer;
  plan.affected = affected;
  plan.effectFrom = tTrigger;
  plan.trigger = {
    how,
    workload: consumer.name,
    changedAt: tTrigger,
    delayMin: Number((delay / MIN).toFixed(1)),
  };
  plan.meta.editedBy = manager;
  plan.meta.consumer = consumer.name;
}

export { iso, isoSec, SEC };
