// The controllers and the kubelet, as far as a recording of Deployments, ReplicaSets and Pods can see them:
//
// - the deployment controller's rolling update (kubernetes pkg/controller/deployment: NewRSNewReplicas,
//   reconcileOldReplicaSets with cleanupUnhealthyReplicas, maxSurge rounded up and maxUnavailable rounded down,
//   Recreate, proportional scaling, the revision annotations, the Available/Progressing conditions and
//   progressDeadlineSeconds -> Progressing=False/ProgressDeadlineExceeded);
// - the ReplicaSet controller (pods created and deleted to match spec.replicas, the deletion ranking that removes
//   unready and newer pods first, SuccessfulCreate/SuccessfulDelete Events, status counts);
// - the scheduler (binding, `Scheduled` Events) and the kubelet (sandbox, init containers, image pulls with
//   ErrImagePull/ImagePullBackOff and back-off, container start, readiness probes with `Unhealthy` Events,
//   crashes with exit codes, OOM kills, CrashLoopBackOff with the 10 s .. 5 min back-off, graceful termination);
// - the HPA controller (15 s sync, 10% tolerance, 5 min scale-down stabilization).
//
// What a pod does (pull, start, become ready, crash, serve errors) is not decided here: `behaviourOf` (the
// application's physics, behaviour.mjs) answers it from the pod's template and the configuration it starts with.
import { clone, iso, isoSec, SEC, templateHash } from './engine.mjs';

const NAME_CHARS = 'bcdfghjklmnpqrstvwxz2456789';
const CRASH_BACKOFF_MAX = 300_000;

export function fenceposts(replicas, strategy) {
  const ru = strategy?.rollingUpdate ?? {};
  const pct = (v, up) => {
    if (v === undefined) v = '25%';
    if (typeof v === 'number') return v;
    const x = (Number(v.replace('%', '')) / 100) * replicas;
    return up ? Math.ceil(x) : Math.floor(x);
  };
  let surge = pct(ru.maxSurge, true);
  let unavailable = pct(ru.maxUnavailable, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** API-server defaulting of a pod spec, so templates and pods look as `kubectl get -o json` shows them. */
export function defaultPodSpec(spec) {
  const c = (x) => {
    x.imagePullPolicy ??= /:latest$|^[^:]+$/.test(x.image) ? 'Always' : 'IfNotPresent';
    x.terminationMessagePath ??= '/dev/termination-log';
    x.terminationMessagePolicy ??= 'File';
    x.resources ??= {};
    for (const p of x.ports ?? []) p.protocol ??= 'TCP';
    for (const probe of [x.readinessProbe, x.livenessProbe, x.startupProbe].filter(Boolean)) {
      probe.timeoutSeconds ??= 1;
      probe.periodSeconds ??= 10;
      probe.successThreshold ??= 1;
      probe.failureThreshold ??= 3;
      if (probe.httpGet) probe.httpGet.scheme ??= 'HTTP';
    }
  };
  for (const x of spec.containers) c(x);
  for (const x of spec.initContainers ?? []) c(x);
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  return spec;
}

const sameJson = (a, b) => JSON.stringify(a) === JSON.stringify(b);
const templateKey = (tpl) => {
  // The pod-template-hash label itself is not part of what is hashed.
  const t = clone(tpl);
  delete t.metadata?.labels?.['pod-template-hash'];
  return t;
};

export class Kube {
  /**
   * @param sim the engine
   * @param nodes [{ name, ip, cidr, zone, images:Set }]
   * @param behaviourOf (w, rs, pod, t) -> behaviour of the pod's main container (behaviour.mjs)
   */
  constructor(sim, nodes, behaviourOf) {
    this.sim = sim;
    this.rng = sim.rng;
    this.nodes = nodes;
    this.behaviourOf = behaviourOf;
    this.workloads = new Map(); // ns/name -> workload
    this.pods = new Map(); // ns/name -> pod record
    this.onServingChange = () => {};
    this.sidecar = () => null; // (w) -> { containers, initContainers, annotations } injected at admission
  }

  // ---- set-up: objects that exist when the recording starts ------------------------------------------------

  /** A Deployment at rest: its current ReplicaSet, a few old ones at 0, its pods running for a while. */
  listDeployment(w, { revision, history = 2, podAgeMs, restarts = () => 0 }) {
    const { sim, rng } = this;
    const d = w.dep;
    defaultPodSpec(d.spec.template.spec);
    d.metadata.annotations = {
      ...(d.metadata.annotations ?? {}),
      'deployment.kubernetes.io/revision': String(revision),
    };
    w.rss = [];
    for (let r = Math.max(1, revision - history); r < revision; r++) {
      // Older revisions ran an older image (or were restarted): their templates, and so their hashes, differ.
      const tpl = clone(d.spec.template);
      const back = revision - r;
      const c = tpl.spec.containers[0];
      const m = /^(.*\.)(\d+)([^.\d][^:/]*)?$/.exec(c.image);
      if (m && Number(m[2]) >= back) c.image = `${m[1]}${Number(m[2]) - back}${m[3] ?? ''}`;
      else
        tpl.metadata.annotations = {
          ...(tpl.metadata.annotations ?? {}),
          'kubectl.kubernetes.io/restartedAt': isoSec(sim.t0 - (back * 9 + rng.int(1, 8)) * 86_400_000),
        };
      const rs = this.makeRS(w, tpl, r, 0, sim.t0 - rng.int(4, 90) * 86_400_000);
      rs.obj.status = { replicas: 0, observedGeneration: rs.obj.metadata.generation };
      sim.list(rs.obj);
    }
    const created = sim.t0 - podAgeMs;
    const rs = this.makeRS(w, d.spec.template, revision, d.spec.replicas, created - rng.int(10, 120) * SEC);
    sim.list(rs.obj);
    for (let i = 0; i < d.spec.replicas; i++) {
      const p = this.makePod(w, rs, created + rng.int(0, 40_000) + i * rng.int(0, 3_000_000));
      p.behaviour = this.behaviourOf(w, rs, p, sim.t0);
      this.settleRunning(p, p.createdAt, restarts(p));
      sim.list(p.obj);
    }
    this.writeRSStatus(rs, sim.t0, { list: true });
    d.status = this.computeStatus(w, sim.t0 - rng.int(2, 72) * 3_600_000, { initial: true });
    d.metadata.generation = d.metadata.generation ?? rng.int(2, 30);
    d.status.observedGeneration = d.metadata.generation;
    sim.list(d);
  }

  makeRS(w, template, revision, replicas, createdAt) {
    const d = w.dep;
    const hash = templateHash(templateKey(template));
    const tpl = clone(template);
    tpl.metadata.labels = { ...tpl.metadata.labels, 'pod-template-hash': hash };
    const { surge } = fenceposts(d.spec.replicas, d.spec.strategy);
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        uid: this.sim.uid(),
        generation: 1,
        creationTimestamp: isoSec(createdAt),
        labels: { ...tpl.metadata.labels },
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(d.spec.replicas),
          'deployment.kubernetes.io/max-replicas': String(d.spec.replicas + surge),
          'deployment.kubernetes.io/revision': String(revision),
          ...(d.metadata.annotations?.['meta.helm.sh/release-name']
            ? {
                'meta.helm.sh/release-name': d.metadata.annotations['meta.helm.sh/release-name'],
                'meta.helm.sh/release-namespace': d.metadata.annotations['meta.helm.sh/release-namespace'],
              }
            : {}),
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name: d.metadata.name,
            uid: d.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        managedFields: [],
      },
      spec: {
        replicas,
        selector: { matchLabels: { ...d.spec.selector.matchLabels, 'pod-template-hash': hash } },
        template: tpl,
      },
      status: { replicas: 0 },
    };
    this.sim.touch(obj, 'kube-controller-manager', createdAt, {
      'f:metadata': { 'f:annotations': {}, 'f:labels': {}, 'f:ownerReferences': {} },
      'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:template': {} },
    });
    const rs = { obj, hash, revision, pods: [], w, template: tpl };
    w.rss.push(rs);
    return rs;
  }

  makePod(w, rs, createdAt) {
    const { rng } = this;
    const d = w.dep;
    const name = `${rs.obj.metadata.name}-${rng.chars(5, NAME_CHARS)}`;
    const spec = clone(rs.template.spec);
    const injected = this.sidecar(w);
    const annotations = { ...(rs.template.metadata.annotations ?? {}), ...(injected?.annotations ?? {}) };
    if (injected) {
      spec.containers.push(...clone(injected.containers));
      spec.initContainers = [...clone(injected.initContainers ?? []), ...(spec.initContainers ?? [])];
    }
    const token = `kube-api-access-${rng.chars(5, 'abcdefghijklmnopqrstuvwxyz0123456789')}`;
    spec.volumes = [
      ...(spec.volumes ?? []),
      {
        name: token,
        projected: {
          sources: [
            { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
            { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
            {
              downwardAPI: {
                items: [
                  { path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
                ],
              },
            },
          ],
          defaultMode: 420,
        },
      },
    ];
    for (const c of [...spec.containers, ...(spec.initContainers ?? [])])
      c.volumeMounts = [
        ...(c.volumeMounts ?? []),
        { name: token, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
      ];
    defaultPodSpec(spec);
    spec.serviceAccountName ??= 'default';
    spec.serviceAccount = spec.serviceAccountName;
    spec.enableServiceLinks = true;
    spec.priority = 0;
    spec.preemptionPolicy = 'PreemptLowerPriority';
    spec.tolerations = [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ];
    const obj = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        generateName: `${rs.obj.metadata.name}-`,
        namespace: d.metadata.namespace,
        uid: this.sim.uid(),
        creationTimestamp: isoSec(createdAt),
        labels: { ...rs.template.metadata.labels },
        ...(Object.keys(annotations).length ? { annotations } : {}),
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: rs.obj.metadata.name,
            uid: rs.obj.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        managedFields: [],
      },
      spec,
      status: { phase: 'Pending', qosClass: qosClass(spec) },
    };
    this.sim.touch(obj, 'kube-controller-manager', createdAt, {
      'f:metadata': { 'f:generateName': {}, 'f:labels': {}, 'f:ownerReferences': {} },
      'f:spec': { 'f:containers': {}, 'f:volumes': {} },
    });
    const p = {
      obj,
      name,
      ns: d.metadata.namespace,
      w,
      rs,
      createdAt,
      node: null,
      phase: 'Pending',
      scheduled: false,
      initDone: !(spec.initContainers ?? []).length,
      containers: new Map(),
      ready: false,
      readyAt: null,
      terminating: false,
      gone: false,
      served: 0, // ms of serving since the last traffic tick
      servingSince: null,
      crashesInTick: 0,
      startedAt: null,
      gen: 0, // bumped on every container (re)start, so stale timers do nothing
    };
    for (const c of spec.containers)
      p.containers.set(c.name, {
        name: c.name,
        image: c.image,
        state: { waiting: { reason: 'ContainerCreating' } },
        lastState: {},
        ready: false,
        started: false,
        restartCount: 0,
        main: c.name === spec.containers[0].name,
        sidecar: !!injected?.containers.some((x) => x.name === c.name),
      });
    rs.pods.push(p);
    this.pods.set(`${p.ns}/${name}`, p);
    return p;
  }

  /** A pod of the initial list: scheduled, started and ready long ago (optionally restarted a few times). */
  settleRunning(p, at, restarts) {
    const { rng } = this;
    const node = rng.pick(this.nodes);
    p.node = node;
    p.ip = podIp(rng, node);
    p.scheduled = true;
    p.kubeletSeen = at + rng.int(300, 1500);
    p.sandbox = true;
    p.initDone = true;
    p.initDoneAt = at + rng.int(1500, 4000);
    p.phase = 'Running';
    p.ready = true;
    p.readyAt = at + rng.int(2, 40) * SEC;
    p.startedAt = at;
    for (const c of p.containers.values()) {
      c.started = true;
      c.ready = true;
      c.restartCount = c.main ? restarts : 0;
      const since = c.main && restarts ? this.sim.t0 - rng.int(2, 200) * 3_600_000 : at + rng.int(1, 5) * SEC;
      c.state = { running: { startedAt: isoSec(since) } };
      c.startedAt = since;
      c.containerID = `containerd://${rng.hex(64)}`;
      if (c.main && restarts) {
        const oom = p.behaviour?.pastKill === 'OOMKilled' || rng.chance(0.4);
        c.lastState = {
          terminated: {
            exitCode: oom ? 137 : rng.pick([1, 2, 137, 143]),
            reason: oom ? 'OOMKilled' : 'Error',
            startedAt: isoSec(since - rng.int(1, 96) * 3_600_000),
            finishedAt: isoSec(since - rng.int(1, 9) * SEC),
            containerID: `containerd://${rng.hex(64)}`,
          },
        };
      }
    }
    p.servingSince = this.sim.t0;
    p.obj.spec.nodeName = node.name;
    p.obj.status = this.podStatus(p, p.readyAt);
    for (const c of p.containers.values()) node.images.add(c.image);
    p.obj.metadata.managedFields.push(
      {
        manager: 'kube-scheduler',
        operation: 'Update',
        apiVersion: 'v1',
        time: isoSec(at),
        fieldsType: 'FieldsV1',
        fieldsV1: { 'f:status': { 'f:conditions': {} } },
        subresource: 'status',
      },
      {
        manager: 'kubelet',
        operation: 'Update',
        apiVersion: 'v1',
        time: isoSec(p.readyAt),
        fieldsType: 'FieldsV1',
        fieldsV1: {
          'f:status': {
            'f:conditions': {},
            'f:containerStatuses': {},
            'f:hostIP': {},
            'f:phase': {},
            'f:podIP': {},
            'f:startTime': {},
          },
        },
        subresource: 'status',
      },
    );
  }

  // ---- status rendering -------------------------------------------------------------------------------------

  podStatus(p, t) {
    const cond = (type, ok, since, reason) => ({
      type,
      status: ok ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: isoSec(since),
      ...(ok || !reason ? {} : { reason }),
    });
    const conds = p.conds ?? (p.conds = {});
    const setC = (type, ok, reason) => {
      if (!conds[type] || conds[type].ok !== ok) conds[type] = { ok, since: t, reason };
      return cond(type, ok, conds[type].since, reason);
    };
    const cs = [...p.containers.values()];
    const mainSpec = p.obj.spec.containers;
    const allReady = cs.every((c) => c.ready);
    const status = { phase: p.phase };
    if (p.scheduled) {
      const list = [];
      if (p.sandbox) list.push(setC('PodReadyToStartContainers', true));
      else if (p.node && p.kubeletSeen) list.push(setC('PodReadyToStartContainers', false));
      if (p.kubeletSeen) {
        list.push(setC('Initialized', p.initDone, 'ContainersNotInitialized'));
        const notReadyReason = p.initDone ? 'ContainersNotReady' : 'ContainersNotInitialized';
        list.push(setC('Ready', allReady && !p.terminatedAll, notReadyReason));
        list.push(setC('ContainersReady', allReady && !p.terminatedAll, notReadyReason));
      }
      list.push(setC('PodScheduled', true));
      status.conditions = list;
    }
    if (p.kubeletSeen) {
      status.hostIP = p.node.ip;
      status.hostIPs = [{ ip: p.node.ip }];
      if (p.sandbox) {
        status.podIP = p.ip;
        status.podIPs = [{ ip: p.ip }];
      }
      status.startTime = isoSec(p.kubeletSeen);
      const inits = p.obj.spec.initContainers ?? [];
      if (inits.length)
        status.initContainerStatuses = inits.map((c) => ({
          name: c.name,
          state: p.initDone
            ? {
                terminated: {
                  exitCode: 0,
                  reason: 'Completed',
                  startedAt: isoSec(p.kubeletSeen + 1000),
                  finishedAt: isoSec(p.initDoneAt ?? p.kubeletSeen + 2000),
                  containerID: `containerd://${p.obj.metadata.uid.replace(/-/g, '')}${c.name.length}`,
                },
              }
            : { waiting: { reason: 'PodInitializing' } },
          lastState: {},
          ready: p.initDone,
          restartCount: 0,
          image: c.image,
          imageID: p.initDone ? imageId(c.image) : '',
          started: false,
        }));
      status.containerStatuses = cs
        .map((c) => ({
          name: c.name,
          state: c.state,
          lastState: c.lastState,
          ready: c.ready,
          restartCount: c.restartCount,
          image: c.image,
          imageID: c.started || c.lastState.terminated ? imageId(c.image) : '',
          ...(c.containerID ? { containerID: c.containerID } : {}),
          started: c.started,
        }))
        // The kubelet reports container statuses sorted by name.
        .sort((a, b) => (a.name < b.name ? -1 : 1));
    }
    status.qosClass = qosClass(p.obj.spec);
    void mainSpec;
    return status;
  }

  writePod(p, t, manager = 'kubelet') {
    if (p.gone) return;
    p.obj.status = this.podStatus(p, t);
    this.sim.touch(
      p.obj,
      manager,
      t,
      { 'f:status': { 'f:conditions': {}, 'f:containerStatuses': {}, 'f:phase': {} } },
      'status',
    );
    this.sim.update(t, p.obj);
  }

  /** The deployment controller's calculateStatus and syncRolloutStatus (progress, completion, deadline). */
  computeStatus(w, t, { initial = false } = {}) {
    const d = w.dep;
    const newRS = w.rss.find((rs) => rs.hash === templateHash(templateKey(d.spec.template)));
    const sum = (f) => w.rss.reduce((n, rs) => n + f(rs), 0);
    const specTotal = sum((rs) => rs.obj.spec.replicas);
    const st = {
      observedGeneration: d.metadata.generation,
      replicas: sum((rs) => rs.obj.status.replicas ?? 0),
      updatedReplicas: newRS?.obj.status.replicas ?? 0,
      readyReplicas: sum((rs) => rs.obj.status.readyReplicas ?? 0),
      availableReplicas: sum((rs) => rs.obj.status.availableReplicas ?? 0),
    };
    const unavailable = Math.max(0, specTotal - st.availableReplicas);
    if (unavailable) st.unavailableReplicas = unavailable;
    const { unavailable: maxUnavailable } = fenceposts(d.spec.replicas, d.spec.strategy);
    const prev = Object.fromEntries((d.status?.conditions ?? []).map((c) => [c.type, c]));
    const since = initial ? isoSec(t) : undefined;
    const setCond = (type, ok, reason, message, force) => {
      const p = prev[type];
      const status = ok ? 'True' : 'False';
      // SetDeploymentCondition: the same status and reason leave the condition as it was.
      if (p && p.status === status && p.reason === reason && !force) return p;
      return {
        type,
        status,
        lastUpdateTime: since ?? isoSec(t),
        lastTransitionTime: since ?? (p && p.status === status ? p.lastTransitionTime : isoSec(t)),
        reason,
        message,
      };
    };
    const availOk = st.availableReplicas >= d.spec.replicas - maxUnavailable;
    const available = setCond(
      'Available',
      availOk,
      availOk ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
      availOk ? 'Deployment has minimum availability.' : 'Deployment does not have minimum availability.',
    );
    const rsName = newRS?.obj.metadata.name ?? d.metadata.name;
    const complete =
      st.updatedReplicas === d.spec.replicas &&
      st.replicas === d.spec.replicas &&
      st.availableReplicas === d.spec.replicas;
    const cur = prev.Progressing;
    let progressing = cur;
    if (initial || !cur)
      progressing = setCond(
        'Progressing',
        true,
        'NewReplicaSetAvailable',
        `ReplicaSet "${rsName}" has successfully progressed.`,
      );
    else if (w.justCreated)
      progressing = setCond(
        'Progressing',
        true,
        'NewReplicaSetCreated',
        `Created new replica set "${rsName}"`,
      );
    else if (!(st.replicas === st.updatedReplicas && cur.reason === 'NewReplicaSetAvailable')) {
      const deadline = (d.spec.progressDeadlineSeconds ?? 600) * 1000;
      if (complete)
        progressing = setCond(
          'Progressing',
          true,
          'NewReplicaSetAvailable',
          `ReplicaSet "${rsName}" has successfully progressed.`,
        );
      else if (progressedSince(d.status, st))
        progressing = setCond(
          'Progressing',
          true,
          'ReplicaSetUpdated',
          `ReplicaSet "${rsName}" is progressing.`,
          true,
        );
      else if (cur.reason !== 'ProgressDeadlineExceeded' && Date.parse(cur.lastUpdateTime) + deadline < t)
        progressing = setCond(
          'Progressing',
          false,
          'ProgressDeadlineExceeded',
          `ReplicaSet "${rsName}" has timed out progressing.`,
        );
    }
    st.conditions = [available, progressing];
    for (const k of ['readyReplicas', 'availableReplicas', 'updatedReplicas']) if (!st[k]) delete st[k];
    w.complete = complete;
    return st;
  }

  writeDeploymentStatus(w, t, opts) {
    const d = w.dep;
    const st = this.computeStatus(w, t, opts);
    if (sameJson(st, d.status)) return;
    d.status = st;
    this.sim.touch(
      d,
      'kube-controller-manager',
      t,
      {
        'f:status': {
          'f:availableReplicas': {},
          'f:conditions': {},
          'f:observedGeneration': {},
          'f:readyReplicas': {},
          'f:replicas': {},
          'f:updatedReplicas': {},
        },
      },
      'status',
    );
    this.sim.update(t, d);
    if (w.rolling && w.complete) {
      w.rolling = false;
      w.onComplete?.(t);
    }
    this.scheduleDeadline(w, t);
  }

  /** The controller re-queues a rolling Deployment to notice when its progress deadline passes. */
  scheduleDeadline(w, t) {
    const d = w.dep;
    const prog = d.status.conditions.find((c) => c.type === 'Progressing');
    if (!prog || prog.status === 'False' || prog.reason === 'NewReplicaSetAvailable') return;
    const due =
      Date.parse(prog.lastUpdateTime) +
      (d.spec.progressDeadlineSeconds ?? 600) * 1000 +
      this.rng.int(1000, 1900);
    if (w.deadlineAt === due) return;
    w.deadlineAt = due;
    this.sim.at(Math.max(due, t + 1), (tt) => {
      if (w.deadlineAt === due) this.writeDeploymentStatus(w, tt);
    });
  }

  writeRSStatus(rs, t, { list = false } = {}) {
    const live = rs.pods.filter((p) => !p.terminating && !p.gone);
    const ready = live.filter((p) => p.ready).length;
    const st = {
      replicas: live.length,
      ...(live.length ? { fullyLabeledReplicas: live.length } : {}),
      ...(ready ? { readyReplicas: ready, availableReplicas: ready } : {}),
      observedGeneration: rs.obj.metadata.generation,
    };
    if (sameJson(st, rs.obj.status)) return false;
    rs.obj.status = st;
    if (list) return true;
    this.sim.touch(
      rs.obj,
      'kube-controller-manager',
      t,
      {
        'f:status': {
          'f:availableReplicas': {},
          'f:fullyLabeledReplicas': {},
          'f:observedGeneration': {},
          'f:readyReplicas': {},
          'f:replicas': {},
        },
      },
      'status',
    );
    this.sim.update(t, rs.obj);
    return true;
  }

  // ---- writes by people and CD tools -------------------------------------------------------------------------

  /**
   * `manager` changes a Deployment at `t`: `mutate(deployment)` edits it; a spec change bumps the generation and the
   * controller rolls out (template) or scales (replicas). Returns whether the pod template changed.
   */
  changeDeployment(t, w, mutate, manager, { subresource, fields } = {}) {
    const d = w.dep;
    const before = JSON.stringify(d.spec);
    const beforeTpl = JSON.stringify(d.spec.template);
    const beforeMeta = JSON.stringify([d.metadata.labels, d.metadata.annotations]);
    mutate(d);
    defaultPodSpec(d.spec.template.spec);
    const specChanged = JSON.stringify(d.spec) !== before;
    const tplChanged = JSON.stringify(d.spec.template) !== beforeTpl;
    const metaChanged = JSON.stringify([d.metadata.labels, d.metadata.annotations]) !== beforeMeta;
    if (!specChanged && !metaChanged) return false;
    if (specChanged) d.metadata.generation += 1;
    this.sim.touch(
      d,
      manager,
      t,
      fields ??
        (subresource === 'scale'
          ? { 'f:spec': { 'f:replicas': {} } }
          : {
              'f:metadata': { 'f:labels': {}, 'f:annotations': {} },
              'f:spec': { 'f:replicas': {}, 'f:template': {} },
            }),
      subresource,
    );
    this.sim.update(t, d);
    if (specChanged) this.sim.at(t + this.rng.int(5, 40), (tt) => this.syncDeployment(w, tt));
    return tplChanged;
  }

  // ---- deployment controller -------------------------------------------------------------------------------

  scheduleSync(w, t) {
    if (w.syncPending) return;
    w.syncPending = true;
    this.sim.at(t + this.rng.int(3, 30), (tt) => {
      w.syncPending = false;
      this.syncDeployment(w, tt);
    });
  }

  syncDeployment(w, t) {
    const { rng, sim } = this;
    const d = w.dep;
    const hash = templateHash(templateKey(d.spec.template));
    let newRS = w.rss.find((rs) => rs.hash === hash);
    const maxRev = Math.max(0, ...w.rss.map((rs) => rs.revision));
    const { surge, unavailable } = fenceposts(d.spec.replicas, d.spec.strategy);
    const annotate = (rs) => {
      const a = rs.obj.metadata.annotations;
      const want = { desired: String(d.spec.replicas), max: String(d.spec.replicas + surge) };
      if (
        a['deployment.kubernetes.io/desired-replicas'] === want.desired &&
        a['deployment.kubernetes.io/max-replicas'] === want.max
      )
        return false;
      a['deployment.kubernetes.io/desired-replicas'] = want.desired;
      a['deployment.kubernetes.io/max-replicas'] = want.max;
      return true;
    };
    w.justCreated = false;
    if (!newRS || newRS.revision < maxRev) {
      // A new revision: a new ReplicaSet, or an old one whose template matches again (a rollback) re-numbered.
      w.rolling = true;
      const revision = maxRev + 1;
      if (!newRS) {
        const current = w.rss.reduce((n, rs) => n + rs.obj.spec.replicas, 0);
        const recreate = d.spec.strategy?.type === 'Recreate';
        const replicas = recreate
          ? 0
          : Math.max(0, Math.min(d.spec.replicas + surge - current, d.spec.replicas));
        newRS = this.makeRS(w, d.spec.template, revision, replicas, t);
        w.justCreated = true;
        sim.create(t, newRS.obj);
        if (replicas > 0) this.scalingEvent(w, newRS, t, 0, replicas);
        this.sim.at(t + rng.int(2, 15), (tt) => this.syncRS(newRS, tt));
      } else {
        newRS.revision = revision;
        newRS.obj.metadata.annotations['deployment.kubernetes.io/revision'] = String(revision);
        sim.touch(newRS.obj, 'kube-controller-manager', t, { 'f:metadata': { 'f:annotations': {} } });
        sim.update(t, newRS.obj);
      }
      d.metadata.annotations['deployment.kubernetes.io/revision'] = String(revision);
      sim.touch(d, 'kube-controller-manager', t + 8, {
        'f:metadata': { 'f:annotations': { 'f:deployment.kubernetes.io/revision': {} } },
      });
      sim.update(t + 8, d);
      this.writeDeploymentStatus(w, t + 20);
      if (w.justCreated) return;
    }
    const olds = w.rss.filter((rs) => rs !== newRS);
    const activeOld = olds.filter((rs) => rs.obj.spec.replicas > 0);
    const scale = (rs, n, at) => {
      const from = rs.obj.spec.replicas;
      annotate(rs);
      if (from === n) return false;
      rs.obj.spec.replicas = n;
      rs.obj.metadata.generation += 1;
      sim.touch(rs.obj, 'kube-controller-manager', at, {
        'f:metadata': { 'f:annotations': {} },
        'f:spec': { 'f:replicas': {} },
      });
      sim.update(at, rs.obj);
      this.scalingEvent(w, rs, at, from, n);
      this.sim.at(at + rng.int(2, 15), (tt) => this.syncRS(rs, tt));
      return true;
    };

    if (!w.rolling) {
      // A scaling event (spec.replicas only): the active ReplicaSet(s) follow, proportionally if several are.
      const active = [newRS, ...activeOld].filter((rs) => rs.obj.spec.replicas > 0 || rs === newRS);
      if (active.length === 1) scale(newRS, d.spec.replicas, t);
      else {
        const total = active.reduce((n, rs) => n + rs.obj.spec.replicas, 0) || 1;
        let left = d.spec.replicas;
        active.forEach((rs, i) => {
          const n =
            i === active.length - 1 ? left : Math.round((rs.obj.spec.replicas / total) * d.spec.replicas);
          left -= n;
          scale(rs, Math.max(0, n), t + i * 3);
        });
      }
      this.writeDeploymentStatus(w, t + 15);
      return;
    }

    if (d.spec.strategy?.type === 'Recreate') {
      let scaled = false;
      for (const rs of activeOld) scaled = scale(rs, 0, t) || scaled;
      const oldPods = olds.some((rs) => rs.pods.some((p) => !p.gone));
      if (!scaled && !oldPods) scale(newRS, d.spec.replicas, t);
      this.writeDeploymentStatus(w, t + 15);
      return;
    }

    // Rolling update: scale the new ReplicaSet up if the surge allows, else old ones down if availability allows.
    const all = [newRS, ...olds];
    const specSum = () => all.reduce((n, rs) => n + rs.obj.spec.replicas, 0);
    const avail = (rs) => rs.obj.status.availableReplicas ?? 0;
    let acted = false;
    if (newRS.obj.spec.replicas > d.spec.replicas) acted = scale(newRS, d.spec.replicas, t);
    else if (newRS.obj.spec.replicas < d.spec.replicas) {
      const up = Math.min(d.spec.replicas + surge - specSum(), d.spec.replicas - newRS.obj.spec.replicas);
      if (up > 0) acted = scale(newRS, newRS.obj.spec.replicas + up, t);
    }
    if (!acted && activeOld.length) {
      const minAvailable = d.spec.replicas - unavailable;
      const newUnavailable = newRS.obj.spec.replicas - avail(newRS);
      let maxScaledDown = specSum() - minAvailable - newUnavailable;
      if (maxScaledDown > 0) {
        // First the old ReplicaSets' unhealthy pods, oldest ReplicaSet first.
        const byAge = [...activeOld].sort((a, b) => a.revision - b.revision);
        let at = t;
        for (const rs of byAge) {
          if (maxScaledDown <= 0) break;
          const unhealthy = rs.obj.spec.replicas - avail(rs);
          const n = Math.min(unhealthy, maxScaledDown);
          if (n > 0) {
            acted = scale(rs, rs.obj.spec.replicas - n, at) || acted;
            maxScaledDown -= n;
            at += 3;
          }
        }
        // Then as many available old pods as the minimum availability allows.
        const availableAll = all.reduce((n, rs) => n + avail(rs), 0);
        let total = availableAll - minAvailable;
        if (!acted && total > 0)
          for (const rs of byAge) {
            if (total <= 0) break;
            const n = Math.min(rs.obj.spec.replicas, total);
            if (n > 0) {
              acted = scale(rs, rs.obj.spec.replicas - n, at) || acted;
              total -= n;
              at += 3;
            }
          }
      }
    }
    if (!acted && annotate(newRS)) {
      sim.touch(newRS.obj, 'kube-controller-manager', t, { 'f:metadata': { 'f:annotations': {} } });
      sim.update(t, newRS.obj);
    }
    this.writeDeploymentStatus(w, t + rng.int(10, 40));
  }

  scalingEvent(w, rs, t, from, to) {
    const up = to > from;
    this.sim.event(
      t,
      w.dep,
      'ScalingReplicaSet',
      `Scaled ${up ? 'up' : 'down'} replica set ${rs.obj.metadata.name} to ${to} from ${from}`,
      { source: { component: 'deployment-controller' }, manager: 'kube-controller-manager' },
    );
  }

  // ---- ReplicaSet controller ---------------------------------------------------------------------------------

  syncRS(rs, t) {
    const { rng, sim } = this;
    const live = rs.pods.filter((p) => !p.terminating && !p.gone);
    const diff = rs.obj.spec.replicas - live.length;
    let at = t;
    if (diff > 0) {
      for (let i = 0; i < diff; i++) {
        const p = this.makePod(rs.w, rs, at);
        sim.create(at, p.obj);
        sim.event(at + 1, rs.obj, 'SuccessfulCreate', `Created pod: ${p.name}`, {
          source: { component: 'replicaset-controller' },
          manager: 'kube-controller-manager',
        });
        p.behaviour = this.behaviourOf(rs.w, rs, p, at);
        this.sim.at(at + rng.int(8, 70), (tt) => this.schedule(p, tt));
        at += rng.int(3, 25);
      }
    } else if (diff < 0) {
      const rank = (p) => [
        p.scheduled ? 1 : 0,
        p.phase === 'Pending' ? 0 : 1,
        p.ready ? 1 : 0,
        p.ready ? -p.readyAt : 0,
        -Math.max(...[...p.containers.values()].map((c) => c.restartCount)),
        -p.createdAt,
      ];
      const victims = [...live]
        .sort((a, b) => {
          const x = rank(a);
          const y = rank(b);
          for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] - y[i];
          return 0;
        })
        .slice(0, -diff);
      for (const p of victims) {
        this.deletePod(p, at);
        sim.event(at + 1, rs.obj, 'SuccessfulDelete', `Deleted pod: ${p.name}`, {
          source: { component: 'replicaset-controller' },
          manager: 'kube-controller-manager',
        });
        at += rng.int(2, 12);
      }
    }
    if (this.writeRSStatus(rs, at + rng.int(5, 30))) this.scheduleSync(rs.w, at + 30);
  }

  /** An RS's pods changed readiness or went away: its status, then its Deployment's sync. */
  podChanged(p, t) {
    const rs = p.rs;
    this.sim.at(t + this.rng.int(5, 40), (tt) => {
      // The ReplicaSet controller replaces a pod that went away (deleted by hand, evicted) on its own.
      if (rs.pods.filter((q) => !q.terminating && !q.gone).length < rs.obj.spec.replicas) this.syncRS(rs, tt);
      else if (this.writeRSStatus(rs, tt) || rs.w.rolling) this.scheduleSync(rs.w, tt);
    });
  }

  // ---- scheduler and kubelet ---------------------------------------------------------------------------------

  schedule(p, t) {
    if (p.terminating || p.gone) return;
    const { rng, sim } = this;
    // Spread replicas over nodes as the default topology spreading does.
    const counts = new Map(this.nodes.map((n) => [n, 0]));
    for (const q of p.rs.w.rss.flatMap((rs) => rs.pods))
      if (q.node && !q.gone) counts.set(q.node, counts.get(q.node) + 1);
    const min = Math.min(...counts.values());
    p.node = rng.pick(this.nodes.filter((n) => counts.get(n) === min));
    p.ip = podIp(rng, p.node);
    p.scheduled = true;
    p.obj.spec.nodeName = p.node.name;
    p.obj.status = this.podStatus(p, t);
    sim.touch(p.obj, 'kube-scheduler', t, { 'f:status': { 'f:conditions': {} } }, 'status');
    sim.update(t, p.obj);
    sim.event(t, p.obj, 'Scheduled', `Successfully assigned ${p.ns}/${p.name} to ${p.node.name}`, {
      source: { component: 'default-scheduler' },
    });
    this.sim.at(t + rng.int(250, 1400), (tt) => this.kubeletAdmit(p, tt));
  }

  kubeletEvent(p, t, reason, message, { type = 'Normal', container } = {}) {
    return this.sim.event(t, p.obj, reason, message, {
      type,
      source: { component: 'kubelet', host: p.node.name },
      fieldPath: container
        ? `spec.${container.init ? 'initContainers' : 'containers'}{${container.name}}`
        : undefined,
    });
  }

  kubeletAdmit(p, t) {
    if (p.gone) return;
    const { rng } = this;
    p.kubeletSeen = t;
    this.writePod(p, t);
    // Sandbox (network) ready, then init containers, then the app containers.
    const sandboxAt = t + rng.int(300, 2500);
    this.sim.at(sandboxAt, (tt) => {
      if (p.gone || p.terminating) return;
      p.sandbox = true;
      const inits = p.obj.spec.initContainers ?? [];
      let at = tt;
      for (const c of inits) {
        at += rng.int(50, 400);
        if (c.imagePullPolicy === 'Always') {
          const ms = rng.int(350, 1900);
          this.kubeletEvent(p, at, 'Pulling', `Pulling image "${c.image}"`, {
            container: { ...c, init: true },
          });
          at += ms;
          this.kubeletEvent(
            p,
            at,
            'Pulled',
            `Successfully pulled image "${c.image}" in ${ms}ms (${ms + rng.int(0, 300)}ms including waiting). Image size: ${rng.int(2_000_000, 4_500_000)} bytes.`,
            { container: { ...c, init: true } },
          );
        } else
          this.kubeletEvent(p, at, 'Pulled', `Container image "${c.image}" already present on machine`, {
            container: { ...c, init: true },
          });
        this.kubeletEvent(p, at + 40, 'Created', `Created container ${c.name}`, {
          container: { ...c, init: true },
        });
        this.kubeletEvent(p, at + 80, 'Started', `Started container ${c.name}`, {
          container: { ...c, init: true },
        });
        at += c.name.startsWith('wait-for') ? rng.int(500, 3000) : rng.int(150, 900);
      }
      if (!inits.length) this.writePod(p, tt);
      this.sim.at(at + rng.int(20, 200), (t2) => {
        if (p.gone || p.terminating) return;
        p.initDone = true;
        p.initDoneAt = t2;
        if (inits.length) this.writePod(p, t2);
        for (const c of p.obj.spec.containers) this.pull(p, c, t2 + rng.int(5, 60), 0);
      });
    });
  }

  pull(p, c, t, attempt) {
    if (p.gone || p.terminating) return;
    const { rng } = this;
    const cs = p.containers.get(c.name);
    const missing = cs.main && p.behaviour.pull === 'missing';
    const present = !missing && p.node.images.has(c.image) && c.imagePullPolicy !== 'Always';
    if (present) {
      this.kubeletEvent(p, t, 'Pulled', `Container image "${c.image}" already present on machine`, {
        container: c,
      });
      return this.startContainer(p, c, t + rng.int(30, 300));
    }
    this.kubeletEvent(p, t, 'Pulling', `Pulling image "${c.image}"`, { container: c });
    if (missing) {
      const failAt = t + rng.int(400, 2500);
      this.sim.at(failAt, (tt) => {
        if (p.gone || p.terminating) return;
        const ref = c.image
          .replace(/^(?![^/]+\.[^/]+\/)/, 'docker.io/')
          .replace(/^docker\.io\/(?![^/]+\/)/, 'docker.io/library/');
        this.kubeletEvent(
          p,
          tt,
          'Failed',
          `Failed to pull image "${c.image}": rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
          { type: 'Warning', container: c },
        );
        this.kubeletEvent(p, tt + 1, 'Failed', 'Error: ErrImagePull', { type: 'Warning', container: c });
        cs.state = {
          waiting: {
            reason: 'ErrImagePull',
            message: `rpc error: code = NotFound desc = failed to pull and unpack image "${ref}": failed to resolve reference "${ref}": ${ref}: not found`,
          },
        };
        this.writePod(p, tt + 3);
        const backoff = Math.min(10_000 * 2 ** attempt, CRASH_BACKOFF_MAX);
        const boAt = tt + rng.int(800, 3500);
        this.sim.at(boAt, (t2) => {
          if (p.gone || p.terminating) return;
          this.kubeletEvent(p, t2, 'BackOff', `Back-off pulling image "${c.image}"`, { container: c });
          this.kubeletEvent(p, t2 + 1, 'Failed', 'Error: ImagePullBackOff', {
            type: 'Warning',
            container: c,
          });
          cs.state = {
            waiting: { reason: 'ImagePullBackOff', message: `Back-off pulling image "${c.image}"` },
          };
          this.writePod(p, t2 + 3);
        });
        this.sim.at(tt + backoff + rng.int(0, 1500), (t3) => this.pull(p, c, t3, attempt + 1));
      });
      return;
    }
    const secs = p.behaviour.pullSeconds?.(c.image) ?? rng.uniform(1.2, 14);
    const done = t + secs * 1000 + rng.int(0, 800);
    this.sim.at(done, (tt) => {
      if (p.gone || p.terminating) return;
      p.node.images.add(c.image);
      const waited = secs + rng.uniform(0, 1.5);
      this.kubeletEvent(
        p,
        tt,
        'Pulled',
        `Successfully pulled image "${c.image}" in ${secs.toFixed(3)}s (${waited.toFixed(3)}s including waiting). Image size: ${rng.int(15_000_000, 420_000_000)} bytes.`,
        { container: c },
      );
      this.startContainer(p, c, tt + rng.int(30, 300));
    });
  }

  startContainer(p, c, t) {
    if (p.gone || p.terminating) return;
    const { rng } = this;
    const cs = p.containers.get(c.name);
    this.kubeletEvent(p, t, 'Created', `Created container ${c.name}`, { container: c });
    this.kubeletEvent(p, t + rng.int(20, 120), 'Started', `Started container ${c.name}`, { container: c });
    const at = t + rng.int(30, 150);
    cs.state = { running: { startedAt: isoSec(at) } };
    cs.started = true;
    cs.startedAt = at;
    cs.containerID = `containerd://${rng.hex(64)}`;
    cs.gen = (cs.gen ?? 0) + 1;
    const gen = cs.gen;
    if ([...p.containers.values()].every((x) => x.started || x.lastState.terminated)) p.phase = 'Running';
    this.writePod(p, at);
    if (!cs.main) {
      // Mesh sidecars: ready once their proxy has its configuration.
      this.sim.at(at + rng.int(700, 2600), (tt) => {
        if (p.gone || p.terminating || cs.gen !== gen) return;
        cs.ready = true;
        this.afterReadiness(p, tt);
      });
      return;
    }
    const b = p.behaviour;
    const listenAt = at + b.startMs;
    cs.listenAt = listenAt;
    const probe = c.readinessProbe;
    p.listenAt = listenAt;
    p.noProbe = !probe;
    if (!probe) {
      // No probe: ready the moment the container starts, listening or not.
      cs.ready = true;
      this.afterReadiness(p, at + rng.int(5, 40));
    } else {
      let first = at + (probe.initialDelaySeconds ?? 0) * 1000 + rng.int(200, 1500);
      const runProbe = (tt) => {
        if (p.gone || p.terminating || cs.gen !== gen || !cs.state.running) return;
        const ok = tt >= listenAt && b.probeOk !== false;
        if (ok) {
          if (!cs.ready) {
            cs.ready = true;
            this.afterReadiness(p, tt + rng.int(5, 60));
          }
        } else {
          if (cs.ready) {
            cs.ready = false;
            this.afterReadiness(p, tt + rng.int(5, 60));
          }
          const url = probe.httpGet ? `http://${p.ip}:${probe.httpGet.port}${probe.httpGet.path}` : null;
          const msg =
            tt < listenAt
              ? url
                ? `Readiness probe failed: Get "${url}": dial tcp ${p.ip}:${probe.httpGet.port}: connect: connection refused`
                : `Readiness probe failed: dial tcp ${p.ip}:${probe.tcpSocket?.port ?? probe.grpc?.port}: connect: connection refused`
              : (b.probeMessage ?? 'Readiness probe failed: HTTP probe failed with statuscode: 503').replace(
                  '$POD_IP',
                  p.ip,
                );
          this.kubeletEvent(p, tt, 'Unhealthy', msg, { type: 'Warning', container: c });
        }
        this.sim.at(tt + (probe.periodSeconds ?? 10) * 1000, runProbe);
      };
      this.sim.at(first, runProbe);
    }
    cs.plannedLife = null;
    if (b.crash) {
      const life = b.crash.lifeMs(cs.restartCount);
      cs.plannedLife = life;
      this.sim.at(at + life, (tt) => this.crash(p, c, tt, gen));
    }
  }

  afterReadiness(p, t) {
    if (p.gone) return;
    const ready = [...p.containers.values()].every((c) => c.ready) && !p.terminating;
    if (ready !== p.ready) {
      p.ready = ready;
      if (ready) p.readyAt = t;
      this.servingChanged(p, t);
      this.podChanged(p, t);
    }
    this.writePod(p, t);
  }

  servingChanged(p, t) {
    const serving = p.ready && !p.terminating && !p.gone;
    if (serving && p.servingSince === null) p.servingSince = t;
    if (!serving && p.servingSince !== null) {
      p.served += t - p.servingSince;
      p.servingSince = null;
    }
    this.onServingChange(p, t);
  }

  crash(p, c, t, gen) {
    const cs = p.containers.get(c.name);
    if (p.gone || p.terminating || cs.gen !== gen || !cs.state.running) return;
    const { rng } = this;
    const b = p.behaviour;
    const oom = b.crash.kind === 'oom';
    const exitCode = oom ? 137 : (b.crash.exitCode ?? 1);
    const term = {
      exitCode,
      reason: oom ? 'OOMKilled' : 'Error',
      startedAt: cs.state.running.startedAt,
      finishedAt: isoSec(t),
      containerID: cs.containerID,
    };
    p.crashesInTick += 1;
    p.lastCrashAt = t;
    if (oom)
      this.sim.event(
        t - rng.int(5, 200),
        { kind: 'Node', apiVersion: 'v1', metadata: { name: p.node.name, uid: p.node.uid } },
        'OOMKilling',
        `Memory cgroup out of memory: Killed process ${rng.int(2000, 90000)} (${b.processName ?? c.name}) total-vm:${rng.int(400_000, 4_000_000)}kB, anon-rss:${rng.int(20_000, 900_000)}kB, file-rss:${rng.int(1000, 40_000)}kB, shmem-rss:0kB, UID:${rng.pick([0, 1000, 65532])} pgtables:${rng.int(300, 3000)}kB oom_score_adj:${rng.pick([984, 999, 993])}`,
        {
          type: 'Warning',
          source: { component: 'kernel-monitor', host: p.node.name },
          manager: 'node-problem-detector',
        },
      );
    cs.state = { terminated: term };
    cs.ready = false;
    cs.started = false;
    this.afterReadiness(p, t + rng.int(50, 600));
    // The restart waits for the back-off: 10 s doubling to 5 min, reset after 10 min of running.
    const ran = t - cs.startedAt;
    if (ran > 600_000) cs.backoff = 0;
    const backoff = cs.backoff ? Math.min(cs.backoff * 2, CRASH_BACKOFF_MAX) : 10_000;
    cs.backoff = backoff;
    const waitAt = t + rng.int(700, 1600);
    this.sim.at(waitAt, (tt) => {
      if (p.gone || p.terminating || cs.gen !== gen) return;
      cs.lastState = { terminated: term };
      cs.state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${backoff / 1000 >= 60 ? `${Math.floor(backoff / 60_000)}m${(backoff % 60_000) / 1000}s` : `${backoff / 1000}s`} restarting failed container=${c.name} pod=${p.name}_${p.ns}(${p.obj.metadata.uid})`,
        },
      };
      this.kubeletEvent(
        p,
        tt,
        'BackOff',
        `Back-off restarting failed container ${c.name} in pod ${p.name}_${p.ns}(${p.obj.metadata.uid})`,
        { type: 'Warning', container: c },
      );
      this.writePod(p, tt + 2);
    });
    this.sim.at(t + backoff + rng.int(200, 3000), (tt) => {
      if (p.gone || p.terminating || cs.gen !== gen) return;
      cs.restartCount += 1;
      this.kubeletEvent(p, tt, 'Pulled', `Container image "${c.image}" already present on machine`, {
        container: c,
      });
      this.startContainer(p, c, tt + rng.int(20, 200));
    });
  }

  /** Graceful deletion: deletionTimestamp now, out of the endpoints, SIGTERM, containers stop, the object goes. */
  deletePod(p, t) {
    if (p.terminating || p.gone) return;
    const { rng, sim } = this;
    const grace = p.obj.spec.terminationGracePeriodSeconds ?? 30;
    p.terminating = true;
    p.terminatingAt = t;
    p.obj.metadata.deletionTimestamp = isoSec(t + grace * 1000);
    p.obj.metadata.deletionGracePeriodSeconds = grace;
    sim.update(t, p.obj);
    this.servingChanged(p, t);
    if (!p.kubeletSeen) {
      this.sim.at(t + rng.int(20, 400), (tt) => this.gone(p, tt));
      return;
    }
    const running = [...p.containers.values()].filter((c) => c.state.running);
    for (const c of running)
      this.kubeletEvent(p, t + rng.int(20, 300), 'Killing', `Stopping container ${c.name}`, { container: c });
    const stopMs = running.length ? (p.behaviour?.stopMs ?? rng.int(100, 3000)) : rng.int(30, 300);
    const stopAt = t + Math.min(stopMs, grace * 1000);
    this.sim.at(stopAt, (tt) => {
      if (p.gone) return;
      for (const c of p.containers.values()) {
        const exit = c.state.running
          ? stopMs >= grace * 1000
            ? 137
            : (p.behaviour?.sigtermExit ?? 0)
          : null;
        if (exit !== null)
          c.state = {
            terminated: {
              exitCode: exit,
              reason: exit === 0 ? 'Completed' : 'Error',
              startedAt: c.state.running.startedAt,
              finishedAt: isoSec(tt),
              containerID: c.containerID,
            },
          };
        c.ready = false;
        c.started = false;
      }
      p.ready = false;
      p.terminatedAll = true;
      this.writePod(p, tt);
      this.sim.at(tt + rng.int(40, 900), (t2) => this.gone(p, t2));
    });
    this.podChanged(p, t);
  }

  gone(p, t) {
    if (p.gone) return;
    this.servingChanged(p, t);
    p.gone = true;
    p.goneAt = t;
    this.sim.remove(t, p.obj);
    this.pods.delete(`${p.ns}/${p.name}`);
    this.podChanged(p, t);
  }

  // ---- HPA controller --------------------------------------------------------------------------------------

  /** Starts the 15 s HPA loop for `w`; `utilization(w, t)` gives the pods' CPU use as a percentage of requests. */
  runHpa(w, utilization, until) {
    const { rng, sim } = this;
    const h = w.hpa;
    w.hpaRecs = [];
    const tick = (t) => {
      if (t > until) return;
      sim.at(t + 15_000, tick);
      const util = utilization(w, t);
      if (util === null) return;
      const cur = w.dep.spec.replicas;
      const ratio = util / h.spec.metrics[0].resource.target.averageUtilization;
      let desired = Math.abs(ratio - 1) <= 0.1 ? cur : Math.ceil(ratio * (w.readyCount?.() ?? cur));
      desired = Math.max(h.spec.minReplicas, Math.min(h.spec.maxReplicas, desired));
      w.hpaRecs.push({ t, desired });
      w.hpaRecs = w.hpaRecs.filter((r) => r.t > t - 300_000);
      // Scale-down stabilization: the highest recommendation of the last 5 minutes.
      if (desired < cur) desired = Math.max(...w.hpaRecs.map((r) => r.desired));
      desired = Math.min(desired, Math.max(cur * 2, cur + 4));
      const pct = Math.round(util);
      const prev = h.status;
      const limited = desired === h.spec.maxReplicas && ratio * cur > h.spec.maxReplicas;
      const status = {
        ...(desired !== cur
          ? { lastScaleTime: isoSec(t) }
          : prev.lastScaleTime
            ? { lastScaleTime: prev.lastScaleTime }
            : {}),
        currentReplicas: cur,
        desiredReplicas: desired,
        currentMetrics: [
          {
            type: 'Resource',
            resource: {
              name: 'cpu',
              current: {
                averageUtilization: pct,
                averageValue: `${Math.round((pct / 100) * (w.cpuRequestMilli ?? 100))}m`,
              },
            },
          },
        ],
        conditions: [
          {
            type: 'AbleToScale',
            status: 'True',
            lastTransitionTime: prev.conditions?.[0]?.lastTransitionTime ?? isoSec(t - 86_400_000),
            reason: desired !== cur ? 'SucceededRescale' : 'ReadyForNewScale',
            message:
              desired !== cur
                ? 'the HPA controller was able to update the target scale to ' + desired
                : 'recommended size matches current size',
          },
          {
            type: 'ScalingActive',
            status: 'True',
            lastTransitionTime: prev.conditions?.[1]?.lastTransitionTime ?? isoSec(t - 86_400_000),
            reason: 'ValidMetricFound',
            message:
              'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)',
          },
          {
            type: 'ScalingLimited',
            status: limited ? 'True' : 'False',
            lastTransitionTime:
              prev.conditions?.[2]?.status === (limited ? 'True' : 'False')
                ? prev.conditions[2].lastTransitionTime
                : isoSec(t),
            reason: limited ? 'TooManyReplicas' : 'DesiredWithinRange',
            message: limited
              ? 'the desired replica count is more than the maximum replica count'
              : 'the desired count is within the acceptable range',
          },
        ],
      };
      const prevPct = prev.currentMetrics?.[0]?.resource?.current?.averageUtilization;
      const changed =
        desired !== cur ||
        prevPct === undefined ||
        Math.abs(prevPct - pct) >= 4 ||
        prev.currentReplicas !== cur;
      if (!changed) return;
      h.status = status;
      sim.touch(
        h,
        'kube-controller-manager',
        t,
        {
          'f:status': {
            'f:conditions': {},
            'f:currentMetrics': {},
            'f:currentReplicas': {},
            'f:desiredReplicas': {},
          },
        },
        'status',
      );
      sim.update(t, h);
      if (desired !== cur) {
        sim.event(
          t,
          h,
          'SuccessfulRescale',
          `New size: ${desired}; reason: cpu resource utilization (percentage of request) ${desired > cur ? 'above' : 'below'} target`,
          { source: { component: 'horizontal-pod-autoscaler' }, manager: 'kube-controller-manager' },
        );
        this.changeDeployment(
          t + rng.int(5, 40),
          w,
          (d) => (d.spec.replicas = desired),
          'horizontal-pod-autoscaler',
          { subresource: 'scale' },
        );
      }
    };
    sim.at(sim.t0 + rng.int(1000, 15_000), tick);
  }
}

function qosClass(spec) {
  const cs = spec.containers;
  const full = cs.every(
    (c) =>
      c.resources?.limits?.cpu &&
      c.resources?.limits?.memory &&
      (!c.resources.requests ||
        (c.resources.requests.cpu === c.resources.limits.cpu &&
          c.resources.requests.memory === c.resources.limits.memory)),
  );
  if (full) return 'Guaranteed';
  return cs.some((c) => c.resources?.requests || c.resources?.limits) ? 'Burstable' : 'BestEffort';
}

function podIp(rng, node) {
  return `${node.cidr}.${rng.int(2, 253)}`;
}

const digests = new Map();
function imageId(image) {
  if (!digests.has(image)) {
    let h = 0;
    for (const ch of image) h = (Math.imul(h, 31) + ch.charCodeAt(0)) >>> 0;
    const hex = Array.from({ length: 8 }, (_, i) =>
      ((h * (i + 7) * 2654435761) >>> 0).toString(16).padStart(8, '0'),
    ).join('');
    digests.set(image, hex);
  }
  const repo = image.replace(/:[^/:]+$/, '');
  return `${repo.includes('/') ? repo : `docker.io/library/${repo}`}@sha256:${digests.get(image)}`;
}

function progressedSince(old, st) {
  if (!old) return true;
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (st.replicas ?? 0) - (st.updatedReplicas ?? 0);
  return (
    (st.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (st.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (st.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

export { iso };
