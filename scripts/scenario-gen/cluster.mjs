// A small Kubernetes cluster simulator that records what `kubectl get --watch --output-watch-events -o json` and an
// Alertmanager webhook would have shown (docs: ../../../shared/scenarios/FORMAT.md). It keeps the objects and writes
// one line per write, with increasing resourceVersions, managedFields naming the manager of each write, owner
// references Deployment -> ReplicaSet -> Pod, and the status churn a rollout produces, so the product's real
// pipeline (watcher parsing, differ diffing and status analysis) runs on it unchanged.
const HASH_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

/** mulberry32: small, fast, seedable; every random choice of a scenario comes from one of these. */
export function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const r = {
    next,
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => Math.floor(lo + (hi - lo + 1) * next()),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
    chance: (p) => next() < p,
    chars: (n, alphabet = HASH_CHARS) => Array.from({ length: n }, () => r.pick(alphabet)).join(''),
    hex: (n) => r.chars(n, '0123456789abcdef'),
    uuid: () => `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-a${r.hex(3)}-${r.hex(12)}`,
    shuffle: (xs) => {
      const out = [...xs];
      for (let i = out.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [out[i], out[j]] = [out[j], out[i]];
      }
      return out;
    },
  };
  return r;
}

const iso = (ms) => new Date(ms).toISOString();
const isoSec = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const clone = (o) => JSON.parse(JSON.stringify(o));
const key = (kind, ns, name) => `${kind}/${ns ?? '_'}/${name}`;

export class Cluster {
  constructor(rng, startMs, nodes = 3) {
    this.rng = rng;
    this.t0 = startMs;
    this.rv = rng.int(30_000_000, 60_000_000);
    this.objects = new Map();
    this.lines = [];
    this.nodes = Array.from({ length: nodes }, () => `gke-prod-default-pool-${rng.hex(8)}-${rng.chars(4)}`);
    this.pods = new Map(); // deployment key -> { hash, pods: [names] }
    this.events = new Map(); // event dedup key -> Event object
  }

  /** Writes one watch line; `ADDED` at t0 for the initial list. */
  write(ts, type, object) {
    const o = clone(object);
    o.metadata.resourceVersion = String(++this.rv);
    if (type === 'DELETED') this.objects.delete(key(o.kind, o.metadata.namespace, o.metadata.name));
    else this.objects.set(key(o.kind, o.metadata.namespace, o.metadata.name), o);
    this.lines.push({ ts: iso(ts), type, object: o });
    return o;
  }

  get(kind, ns, name) {
    return clone(this.objects.get(key(kind, ns, name)));
  }

  meta(ns, name, manager, ts, extra = {}) {
    return {
      name,
      ...(ns ? { namespace: ns } : {}),
      uid: this.rng.uuid(),
      creationTimestamp: isoSec(ts - this.rng.int(5, 90) * 86_400_000),
      ...extra,
      managedFields: [
        {
          manager,
          operation: manager === 'helm' || manager.startsWith('argocd') ? 'Apply' : 'Update',
          apiVersion: 'v1',
          time: isoSec(ts - this.rng.int(1, 20) * 86_400_000),
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': {}, 'f:data': {} },
        },
      ],
    };
  }

  /** Records who wrote which fields, as managedFields does (second precision). */
  touch(o, manager, ts, fields, subresource) {
    const entry = {
      manager,
      operation: manager === 'helm' || manager.startsWith('argocd') ? 'Apply' : 'Update',
      apiVersion: o.apiVersion,
      time: isoSec(ts),
      fieldsType: 'FieldsV1',
      fieldsV1: fields,
      ...(subresource ? { subresource } : {}),
    };
    o.metadata.managedFields = [
      ...(o.metadata.managedFields ?? []).filter(
        (m) => !(m.manager === manager && m.subresource === subresource),
      ),
      entry,
    ];
  }

  // ---- objects present at the start -------------------------------------------------------------------------

  add(object) {
    return this.write(this.t0, 'ADDED', object);
  }

  addDeployment(ns, name, template, { replicas = 1, labels = {}, manager = 'helm' } = {}) {
    const d = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        ...this.meta(ns, name, manager, this.t0, {
          generation: this.rng.int(2, 14),
          labels: { app: name, ...labels },
          annotations: { 'deployment.kubernetes.io/revision': String(this.rng.int(2, 9)) },
        }),
      },
      spec: {
        replicas,
        selector: { matchLabels: { app: name } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
        template: { metadata: { labels: { app: name } }, spec: template },
      },
      status: {},
    };
    const hash = this.rng.chars(this.rng.int(9, 10));
    this.add(this.statusOf(d, replicas, replicas, this.t0 - 86_400_000));
    this.add(this.replicaSet(d, hash, replicas));
    const pods = [];
    for (let i = 0; i < replicas; i++)
      pods.push(this.add(this.pod(d, hash, this.t0 - this.rng.int(1, 48) * 3_600_000, true)).metadata.name);
    this.pods.set(key('Deployment', ns, name), { hash, pods });
  }

  statusOf(d, replicas, ready, since) {
    const unavailable = Math.max(0, replicas - ready);
    d.status = {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(unavailable ? { unavailableReplicas: unavailable } : {}),
      conditions: [
        {
          type: 'Available',
          status: ready > 0 || replicas === 0 ? 'True' : 'False',
          lastUpdateTime: isoSec(since),
          lastTransitionTime: isoSec(since),
          reason: ready > 0 || replicas === 0 ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          message:
            ready > 0 || replicas === 0
              ? 'Deployment has minimum availability.'
              : 'Deployment does not have minimum availability.',
        },
        {
          type: 'Progressing',
          status: 'True',
          lastUpdateTime: isoSec(since),
          lastTransitionTime: isoSec(since),
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet "${d.metadata.name}" has successfully progressed.`,
        },
      ],
    };
    return d;
  }

  replicaSet(d, hash, replicas) {
    const { namespace, name } = d.metadata;
    return {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        ...this.meta(namespace, `${name}-${hash}`, 'kube-controller-manager', this.t0),
        labels: { app: name, 'pod-template-hash': hash },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'Deployment',
            name,
            uid: d.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: {
        replicas,
        selector: { matchLabels: { app: name, 'pod-template-hash': hash } },
        template: clone(d.spec.template),
      },
      status: { replicas, readyReplicas: replicas, availableReplicas: replicas },
    };
  }

  pod(d, hash, ts, ready) {
    const { namespace, name } = d.metadata;
    const spec = clone(d.spec.template.spec);
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...this.meta(namespace, `${name}-${hash}-${this.rng.chars(5)}`, 'kube-controller-manager', ts),
        creationTimestamp: isoSec(ts),
        generateName: `${name}-${hash}-`,
        labels: { app: name, 'pod-template-hash': hash },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind: 'ReplicaSet',
            name: `${name}-${hash}`,
            uid: this.rng.uuid(),
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { ...spec, nodeName: this.rng.pick(this.nodes) },
      status: this.podStatus(spec, ready ? 'ready' : 'pending', ts, 0),
    };
  }

  podStatus(spec, state, ts, restarts, last) {
    const ready = state === 'ready';
    const cs = (spec.containers ?? []).map((c) => ({
      name: c.name,
      image: c.image,
      ready,
      started: state === 'ready' || state === 'running',
      restartCount: restarts,
      state:
        state === 'pending'
          ? { waiting: { reason: 'ContainerCreating' } }
          : state.startsWith('waiting:')
            ? {
                waiting: {
                  reason: state.slice(8),
                  message: `back-off restarting failed container ${c.name}`,
                },
              }
            : { running: { startedAt: isoSec(ts) } },
      ...(last
        ? {
            lastState: {
              terminated: {
                reason: last,
                exitCode: last === 'OOMKilled' ? 137 : 1,
                startedAt: isoSec(ts - 20_000),
                finishedAt: isoSec(ts),
              },
            },
          }
        : { lastState: {} }),
    }));
    return {
      phase: state === 'pending' ? 'Pending' : 'Running',
      conditions: [
        { type: 'Initialized', status: 'True', lastTransitionTime: isoSec(ts) },
        {
          type: 'Ready',
          status: ready ? 'True' : 'False',
          lastTransitionTime: isoSec(ts),
          ...(ready ? {} : { reason: 'ContainersNotReady' }),
        },
        { type: 'PodScheduled', status: 'True', lastTransitionTime: isoSec(ts) },
      ],
      containerStatuses: cs,
      startTime: isoSec(ts),
    };
  }

  // ---- Events and alerts -----------------------------------------------------------------------------------

  /** A core Event; a repeat updates the same object (count, lastTimestamp), as the API server does. */
  event(ts, ns, involved, reason, message, type = 'Normal', component = 'kubelet') {
    const k = `${involved.kind}/${involved.name}/${reason}`;
    const prev = this.events.get(k);
    if (prev) {
      prev.count += 1;
      prev.lastTimestamp = isoSec(ts);
      prev.message = message;
      return this.write(ts, 'MODIFIED', prev);
    }
    const e = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${involved.name}.${this.rng.hex(16)}`,
        namespace: ns,
        uid: this.rng.uuid(),
        creationTimestamp: isoSec(ts),
      },
      involvedObject: {
        kind: involved.kind,
        namespace: involved.kind === 'Node' ? undefined : ns,
        name: involved.name,
        apiVersion: involved.kind === 'Pod' || involved.kind === 'Node' ? 'v1' : 'apps/v1',
      },
      reason,
      message,
      source: { component },
      firstTimestamp: isoSec(ts),
      lastTimestamp: isoSec(ts),
      count: 1,
      type,
    };
    this.events.set(k, e);
    return this.write(ts, 'ADDED', e);
  }

  /** An Alertmanager webhook notification arriving at `ts` for an alert that started at `startsAt`. */
  alert(ts, { status = 'firing', labels, startsAt, endsAt, summary }) {
    const fingerprint = this.rng.hex(16);
    const a = {
      status,
      labels,
      annotations: { summary: summary ?? `${labels.alertname} on ${labels.service ?? labels.pod ?? ''}` },
      startsAt: iso(startsAt),
      endsAt: endsAt ? iso(endsAt) : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.monitoring.svc:9090/graph',
      fingerprint,
    };
    const group = {
      alertname: labels.alertname,
      namespace: labels.namespace,
      ...(labels.service ? { service: labels.service } : {}),
    };
    this.lines.push({
      ts: iso(ts),
      alertmanager: {
        version: '4',
        groupKey: `{}:{alertname="${labels.alertname}"}`,
        truncatedAlerts: 0,
        status,
        receiver: 'platform-oncall',
        groupLabels: group,
        commonLabels: labels,
        commonAnnotations: a.annotations,
        externalURL: 'http://alertmanager.monitoring.svc:9093',
        alerts: [a],
      },
    });
  }

  /** Node heartbeats, which every real recording is full of. */
  leases(fromMs, toMs) {
    for (const n of this.nodes) {
      const lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { ...this.meta('kube-node-lease', n, 'kubelet', this.t0) },
        spec: { holderIdentity: n, leaseDurationSeconds: 40, renewTime: iso(fromMs) },
      };
      this.add(lease);
    }
    for (let t = fromMs + 60_000; t < toMs; t += this.rng.int(50_000, 70_000)) {
      const l = this.get('Lease', 'kube-node-lease', this.rng.pick(this.nodes));
      l.spec.renewTime = iso(t);
      this.write(t, 'MODIFIED', l);
    }
  }

  sortLines() {
    this.lines.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
  }
}

export { iso, isoSec, clone, key };
