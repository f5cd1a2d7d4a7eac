// One scenario of the `--suite apps` set: a cluster running one of the four real applications for about two
// hours, a faulty change 55-80 minutes in, everything a watch and an Alertmanager webhook would have recorded,
// and the truth file. The investigation starts when the incident's first page (or, when nothing pages within
// 15 minutes of its first warning, that warning) reaches the on-call engineer, a few minutes later.
import { prng } from '../cluster.mjs';
import { planActivity, responderAction } from './activity.mjs';
import { iso, MIN, SEC } from './engine.mjs';
import { APP_FAULTS, injectFault, prepareFault, upstreamOf } from './faults.mjs';
import { Monitoring } from './monitoring.mjs';
import { APP_TOPOLOGIES } from './topologies.mjs';
import { TICK } from './traffic.mjs';
import { buildWorld } from './world.mjs';

export { APP_FAULTS, APP_TOPOLOGIES };

function drawProfile(rng, topo, fault) {
  const ns = topo.namespaces[0];
  const helmTopo = !!topo.release;
  let deployTool = helmTopo
    ? rng.pick(['helm', 'helm', 'helm', 'argocd-controller'])
    : rng.pick(['kubectl-client-side-apply', 'kubectl-client-side-apply', 'argocd-controller']);
  if (fault === 'helm-upgrade' && helmTopo) deployTool = 'helm';
  const covered = new Set();
  for (const d of topo.deployments)
    if (d.service && d.ns === ns && rng.chance(0.55)) covered.add(`${d.ns}/${d.service}`);
  return {
    deployTool,
    errTicks: rng.pick([2, 4, 4, 10]),
    errFor: rng.pick([1, 2, 2, 5]) * MIN,
    errThreshold: rng.pick([0.02, 0.05, 0.05, 0.1]),
    latFor: rng.pick([5, 5, 10]) * MIN,
    latFactor: rng.pick([2, 2.5, 3]),
    latencyPages: rng.chance(0.35),
    ksmFor: rng.pick([15, 15, 10, 5]) * MIN,
    minRequests: 50,
    podRule: ['istio', 'linkerd'].includes(topo.stack) && rng.chance(0.4),
    oomRule: rng.chance(0.5),
    covered,
    groupBy: rng.pick([
      ['alertname', 'namespace'],
      ['alertname', 'namespace', 'service'],
      ['namespace'],
      ['alertname', 'namespace', 'severity'],
      ['...'],
    ]),
    groupWait: rng.pick([10, 30, 30, 60]) * SEC,
    groupInterval: rng.pick([1, 5, 5]) * MIN,
    repeatInterval: rng.pick([4, 12]) * 60 * MIN,
    infoToWebhook: rng.chance(0.4),
    receiver: rng.pick(['platform-oncall', 'sre-pager', 'team-webhook']),
    routeMatcher: rng.pick(['{severity=~"critical|warning"}', '{}', '{namespace!=""}']),
    prometheusURL: rng.pick([
      'http://prometheus-k8s.monitoring.svc:9090',
      'http://kube-prometheus-stack-prometheus.monitoring:9090',
    ]),
    alertmanagerURL: rng.pick([
      'http://alertmanager-main.monitoring.svc:9093',
      'http://kube-prometheus-stack-alertmanager.monitoring:9093',
    ]),
    userTz: rng.pick([0, 0, 1, 2, -4, -7, 9]),
  };
}

/** Runs one scenario; `responder` (a time) adds the responder's restart of the second pass. */
export function simulate({ seed, topoName, fault, emitMetrics, responderAt }) {
  const rng = prng(seed);
  const nrng = prng(seed ^ 0x5bd1e995);
  const mrng = prng(seed ^ 0x27d4eb2f);
  const arng = prng(seed ^ 0x165667b1);
  const start = Date.UTC(
    2025,
    rng.int(0, 11),
    rng.int(1, 28),
    rng.int(0, 23),
    rng.int(0, 59),
    rng.int(0, 59),
    rng.int(0, 999),
  );
  let prep;
  let profile;
  const world = buildWorld({
    rng,
    nrng,
    mrng,
    arng,
    start,
    topoFn: (r) => {
      const topo = APP_TOPOLOGIES[topoName](r);
      profile = drawProfile(r, topo, fault);
      prep = prepareFault(topo, fault, r);
      if (topo.hpaAll && r.chance(0.6))
        for (const d of topo.deployments)
          if (topo.hpaAll.names.includes(d.name) && !d.hpa && d.replicas < 4)
            Object.assign(d, {
              hpa: { min: topo.hpaAll.min, max: topo.hpaAll.max, cpu: topo.hpaAll.cpu },
              hpaManager: topo.hpaAll.manager,
            });
      return topo;
    },
    get profile() {
      return profile;
    },
  });
  world.profile = profile;
  const { sim, kube, traffic, topo } = world;
  let tFault = start + rng.uniform(55, 80) * MIN;
  // Replicas are taken away from a busy service when it is busy: the scale-down lands near the load's crest.
  if (fault === 'scale-down-latency')
    for (let t = start + 55 * MIN; t <= start + 80 * MIN; t += MIN)
      if (world.load(t) > world.load(tFault)) tFault = t + rng.int(0, 59_999);
  const searchUntil = tFault + 80 * MIN;
  const horizon = searchUntil + 12 * MIN; // the cluster keeps running past the last possible investigation
  const plan = injectFault(world, fault, tFault, prep);
  const decoys = planActivity(world, plan, { start, tFault, horizon });
  const mon = new Monitoring(world);
  world.monitoring = mon;
  for (const w of kube.workloads.values()) if (w.hpa) kube.runHpa(w, (x) => traffic.utilization(x), horizon);
  // Traffic, rules and scrapes every 30 s; latency thresholds learned over the first quarter hour.
  const baselineEnd = start + 15 * MIN;
  const tick = (t) => {
    traffic.tick(t);
    if (t <= baselineEnd) mon.learnBaseline(t);
    if (t > baselineEnd && !mon.thresholdsFrozen) {
      traffic.learning = false;
      mon.freezeThresholds();
      mon.thresholdsFrozen = true;
    }
    mon.evaluate(t);
    if (Math.round((t - start) / TICK) % 2 === 0) mon.metricLine(t + 1000 + rng.int(0, 200), emitMetrics);
    if (t + TICK <= horizon) sim.at(t + TICK, tick);
  };
  sim.at(start + TICK, tick);
  // Node heartbeats.
  for (const n of world.nodes)
    sim.list({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: n.name,
        namespace: 'kube-node-lease',
        uid: rng.uuid(),
        creationTimestamp: iso(start - 30 * 86_400_000).replace(/\.\d+Z$/, 'Z'),
        ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: n.name, uid: n.uid }],
        managedFields: [
          {
            manager: 'kubelet',
            operation: 'Update',
            apiVersion: 'coordination.k8s.io/v1',
            time: iso(start).replace(/\.\d+Z$/, 'Z'),
            fieldsType: 'FieldsV1',
            fieldsV1: { 'f:spec': { 'f:renewTime': {} } },
          },
        ],
      },
      spec: {
        holderIdentity: n.name,
        leaseDurationSeconds: 40,
        renewTime: new Date(start).toISOString().replace('Z', '000Z'),
      },
    });
  const renew = (t) => {
    const n = rng.pick(world.nodes);
    const l = sim.get('Lease', 'kube-node-lease', n.name);
    l.spec.renewTime = new Date(t).toISOString().replace('Z', '000Z');
    l.metadata.managedFields[0].time = iso(t).replace(/\.\d+Z$/, 'Z');
    sim.update(t, l);
    if (t < horizon) sim.at(t + rng.int(15_000, 35_000), renew);
  };
  sim.at(start + rng.int(20_000, 60_000), renew);

  const impacted = upstreamOf(world, plan.affected);
  const entryW = kube.workloads.get(topo.entry);
  // An alert belongs to the incident when its condition began after the fault took effect and, for request
  // alerts, most of the failures (or of the added latency) it counted come from the workloads the fault broke;
  // for kube-state-metrics alerts, when they name those workloads or their pods.
  const affected = new Set(plan.affected);
  const related = (a) => {
    const s = a.subject;
    if (!s || s.kind === 'other') return false;
    if ((a.activeAt ?? a.startsAt) < plan.effectFrom - 5 * SEC) return false;
    if (a.origin) {
      let tot = 0;
      let ours = 0;
      for (const [w, f] of a.origin) {
        tot += f;
        if (affected.has(w)) ours += f;
      }
      return tot > 0 && ours / tot >= 0.5;
    }
    if (['KubeHpaMaxedOut', 'CPUThrottlingHigh'].includes(a.labels.alertname)) return false;
    return !!s.w && affected.has(s.w);
  };
  void impacted;
  const isEntry = (s) =>
    s &&
    (s.kind === 'ingress' ||
      topo.entryAlertSubjects.includes(`${s.ns}/${s.name}`) ||
      (s.kind === 'deployment' && `${s.ns}/${s.name}` === topo.entry));
  let responder = null;
  if (responderAt) sim.at(responderAt, (t) => (responder = responderAction(world, plan, t, entryW)));
  // Run until the incident's prompt is known (first page, or a warning nobody followed with a page in 15 min).
  let prompt = null;
  let firstWarn = null;
  for (let t = tFault; t <= searchUntil; t += TICK) {
    sim.run(t);
    const rel = mon.notifications.filter(
      (n) => n.t >= plan.effectFrom && n.alerts.some((a) => a.status === 'firing' && related(a)),
    );
    firstWarn ??= rel[0] ?? null;
    const page = rel.find((n) =>
      n.alerts.some((a) => a.status === 'firing' && related(a) && a.labels.severity === 'critical'),
    );
    if (page && (!firstWarn || page.t <= firstWarn.t + 15 * MIN)) {
      prompt = page;
      break;
    }
    if (firstWarn && t > firstWarn.t + 15 * MIN) {
      prompt = firstWarn;
      break;
    }
  }
  prompt ??= firstWarn; // a warning late in the search window, with no page after it
  if (!prompt) return { failed: true, plan, world, mon };
  const queryAt = Math.round(prompt.t + rng.uniform(2, 7) * MIN);
  const end = queryAt + rng.int(30, 150) * SEC;
  sim.run(end);
  const lines = sim.output(end, rng.int(30_000_000, 90_000_000));
  return {
    world,
    plan,
    decoys,
    prompt,
    queryAt,
    end,
    lines,
    related,
    isEntry,
    responder,
    start,
    tFault,
    entryW,
    mon,
  };
}

export function makeAppScenario({ seed, index, topoName, fault, metrics }) {
  let res;
  let attempts = 0;
  let runSeed;
  for (; attempts < 8; attempts++) {
    runSeed = (seed * 100_003 + index * 7_919 + attempts * 104_729 + 0x9e3779b1) >>> 0;
    res = simulate({ seed: runSeed, topoName, fault, emitMetrics: metrics });
    if (!res.failed) break;
  }
  res.attempts = attempts + 1;
  if (res.failed) throw new Error(`scenario ${index}: no alert in 80 minutes after ${fault} on ${topoName}`);
  // A second pass, identical up to the page, when a responder acts between the page and the investigation.
  const draw = prng(runSeed ^ 0x2545f491);
  if (res.queryAt - res.prompt.t > 100 * SEC && draw.chance(0.35)) {
    const at = Math.round(draw.uniform(res.prompt.t + 45 * SEC, res.queryAt - 40 * SEC));
    const again = simulate({ seed: runSeed, topoName, fault, emitMetrics: metrics, responderAt: at });
    if (!again.failed && again.prompt.t === res.prompt.t) res = { ...again, attempts: res.attempts };
  }
  const { world, plan, decoys, prompt, queryAt, lines, related, isEntry, responder, tFault, mon } = res;
  const { topo } = world;
  const id = `${topoName}-${plan.type}-${index}`;
  // The symptom: the user-facing entry point when it alerted, else what the page names.
  const before = mon.notifications.filter((n) => n.t <= queryAt);
  const relAlerts = before.flatMap((n) =>
    n.alerts.filter((a) => a.status === 'firing' && related(a)).map((a) => ({ ...a, t: n.t })),
  );
  const entryAlert = relAlerts.find((a) => isEntry(a.subject));
  const promptAlert = prompt.alerts.find((a) => a.status === 'firing' && related(a));
  const deploymentOf = (s) => {
    if (!s) return topo.entry;
    if (s.kind === 'ingress') return topo.entry;
    if (s.w) return `${s.w.ns}/${s.w.name}`;
    const ws = world.services.get(`${s.ns}/${s.name}`)?.workloads.filter((w) => w.dep) ?? [];
    if (ws.length === 1) return `${ws[0].ns}/${ws[0].name}`;
    return topo.entry;
  };
  let symptom;
  if (entryAlert)
    symptom = entryAlert.subject.kind === 'ingress' ? topo.entry : deploymentOf(entryAlert.subject);
  else symptom = deploymentOf(promptAlert?.subject);
  const [sns, sname] = symptom.split('/');
  // The root cause's watch line (FORMAT.md: the ts of the line on which its spec or data changed).
  const changedAt = iso(plan.changedAt);
  const line = lines.find(
    (l) =>
      l.ts === changedAt &&
      l.object?.kind === plan.truth.kind &&
      l.object.metadata.name === plan.truth.name &&
      l.object.metadata.namespace === plan.truth.namespace,
  );
  if (!line) throw new Error(`${id}: no watch line for the root cause at ${changedAt}`);
  const decoyList = [...decoys.flatMap((d) => (d.sibling ? d.list : [d])), ...(responder ? [responder] : [])]
    .filter((d) => d.t !== undefined && d.t !== null && d.t <= queryAt)
    .map((d) => ({ kind: d.kind, namespace: d.namespace, name: d.name, changedAt: iso(d.t), role: d.role }))
    .sort((a, b) => (a.changedAt < b.changedAt ? -1 : 1));
  const effect = plan.effectFrom;
  const firstRel = relAlerts[0];
  const truth = {
    scenario: id,
    query: { at: iso(queryAt), symptom: { namespace: sns, kind: 'Deployment', name: sname } },
    rootCause: { ...plan.truth, changedAt },
    decoys: decoyList,
    meta: {
      suite: 'apps',
      topology: topo.id,
      fault: plan.type,
      requestedFault: fault,
      target: `${plan.target.ns}/${plan.target.name}`,
      affected: plan.affected.map((w) => `${w.ns}/${w.name}`),
      detail: plan.meta,
      trigger: plan.trigger
        ? { ...plan.trigger, changedAt: plan.trigger.changedAt ? iso(plan.trigger.changedAt) : undefined }
        : undefined,
      stack: topo.stack,
      deployTool: world.profile.deployTool,
      userFacing: !!entryAlert,
      promptedBy: promptAlert
        ? { alertname: promptAlert.labels.alertname, labels: promptAlert.labels, notifiedAt: iso(prompt.t) }
        : undefined,
      effectLagMin: Number(((effect - tFault) / MIN).toFixed(1)),
      firstAlertLagMin: firstRel ? Number(((firstRel.t - plan.changedAt) / MIN).toFixed(1)) : null,
      queryLagMin: Number(((queryAt - plan.changedAt) / MIN).toFixed(1)),
      alertsBeforeQuery: [
        ...new Map(
          before.flatMap((n) =>
            n.alerts.map((a) => [
              a.labels.alertname + JSON.stringify(a.labels) + a.status,
              {
                alertname: a.labels.alertname,
                status: a.status,
                related: related(a),
                labels: a.labels,
                startsAt: iso(a.startsAt),
              },
            ]),
          ),
        ).values(),
      ],
      rules: {
        errWindowMin: world.profile.errTicks / 2,
        errForMin: world.profile.errFor / MIN,
        errThreshold: world.profile.errThreshold,
        latForMin: world.profile.latFor / MIN,
        ksmForMin: world.profile.ksmFor / MIN,
        groupBy: world.profile.groupBy,
        groupWaitS: world.profile.groupWait / SEC,
        groupIntervalS: world.profile.groupInterval / SEC,
      },
      metricIntervals: mon.metricLines,
      attempts: res.attempts,
    },
  };
  return { id, lines, truth };
}
