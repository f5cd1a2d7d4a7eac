// The cluster as it stands when the recording starts, built from a topology: nodes, namespaces' ServiceAccounts
// and root CA ConfigMaps, the application's Deployments (with their current and older ReplicaSets and running
// pods), Services, ConfigMaps, Secrets, HPAs, StatefulSet/DaemonSet pods, custom resources, the Helm release
// Secrets Helm keeps, and the bystanders every cluster has (kube-system, monitoring). Also the "world" the other
// modules share: the configuration history (what a ConfigMap or Secret held at any time), the image registry,
// the database passwords databases were initialized with, and the feature-flag effects of the OTel demo's flagd.
import { behaviourFactory } from './behaviour.mjs';
import { clone, isoSec, keyOf, MIN, Sim } from './engine.mjs';
import { defaultPodSpec, Kube } from './kube.mjs';
import { FLAGS } from './topologies.mjs';
import { Traffic } from './traffic.mjs';

const milli = (v) =>
  v === undefined ? undefined : String(v).endsWith('m') ? Number(String(v).slice(0, -1)) : Number(v) * 1000;

function clusterNodes(rng) {
  const flavour = rng.pick(['gke', 'eks', 'aks']);
  const n = rng.int(3, 5);
  const pool = rng.hex(8);
  return Array.from({ length: n }, (_, i) => {
    const a = rng.int(1, 3);
    const b = rng.int(10, 250);
    const name =
      flavour === 'gke'
        ? `gke-prod-pool-1-${pool}-${rng.chars(4, 'abcdefghijklmnopqrstuvwxyz0123456789')}`
        : flavour === 'eks'
          ? `ip-10-0-${a * 16 + i}-${b}.eu-west-1.compute.internal`
          : `aks-nodepool1-${rng.int(10_000_000, 99_999_999)}-vmss00000${i}`;
    return {
      name,
      ip: `10.0.${a * 16 + i}.${b}`,
      cidr: `10.${rng.int(64, 127)}.${i * 8 + rng.int(0, 7)}`,
      images: new Set(),
      uid: rng.uuid(),
    };
  });
}

export function buildWorld(opts) {
  const { rng, nrng, mrng, arng, start, topoFn } = opts;
  const topo = topoFn(rng);
  const profile = opts.profile; // drawn by topoFn's caller along with the topology
  const sim = new Sim(rng, start);
  const nodes = clusterNodes(rng);
  const world = { rng, nrng, mrng, arng, sim, topo, profile, nodes, start };
  world.registry = new Map(); // image -> traits of that release (missing, errors, slower, crash)
  const configs = new Map(); // kind/ns/name -> [{ t, data }]
  world.configs = configs;
  world.config = (kind, ns, name, t) => {
    const h = configs.get(keyOf(kind, ns, name));
    if (!h) return null;
    let cur = null;
    for (const x of h) if (x.t <= t) cur = x.data;
    return cur;
  };
  const dbPasswords = new Map();
  world.dbPassword = (ns, db) => dbPasswords.get(`${ns}/${db}`);
  world.authFailureMode = new Map(); // ns/workload -> effect when its database credentials are wrong
  world.authFailure = (ns, name) => world.authFailureMode.get(`${ns}/${name}`) ?? { err: 1 };
  const behaviourOf = behaviourFactory(world);
  const kube = new Kube(sim, nodes, behaviourOf);
  world.kube = kube;
  world.watchedNs = new Set();
  world.metricNs = new Set(topo.namespaces);

  // Mesh sidecars, injected at pod admission (so pods differ from their template).
  kube.sidecar = (w) => {
    if (!topo.mesh || w.def.noMesh || !topo.namespaces.includes(w.ns) || w.ns !== topo.namespaces[0])
      return null;
    if (topo.mesh === 'istio')
      return {
        containers: [
          {
            name: 'istio-proxy',
            image: 'docker.io/istio/proxyv2:1.27.1',
            args: [
              'proxy',
              'sidecar',
              '--domain',
              '$(POD_NAMESPACE).svc.cluster.local',
              '--proxyLogLevel=warning',
              '--proxyComponentLogLevel=misc:error',
              '--log_output_level=default:info',
            ],
            ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
            readinessProbe: {
              httpGet: { path: '/healthz/ready', port: 15021 },
              initialDelaySeconds: 1,
              periodSeconds: 2,
              timeoutSeconds: 3,
              failureThreshold: 30,
            },
            resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
          },
        ],
        initContainers: [
          {
            name: 'istio-init',
            image: 'docker.io/istio/proxyv2:1.27.1',
            args: [
              'istio-iptables',
              '-p',
              '15001',
              '-z',
              '15006',
              '-u',
              '1337',
              '-m',
              'REDIRECT',
              '-i',
              '*',
              '-x',
              '',
              '-b',
              '*',
              '-d',
              '15090,15021,15020',
              '--log_output_level=default:info',
            ],
            resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
          },
        ],
        annotations: {
          'istio.io/rev': 'default',
          'kubectl.kubernetes.io/default-container': w.def.containers[0].name,
          'kubectl.kubernetes.io/default-logs-container': w.def.containers[0].name,
          'prometheus.io/path': '/stats/prometheus',
          'prometheus.io/port': '15020',
          'prometheus.io/scrape': 'true',
          'sidecar.istio.io/status':
            '{"initContainers":["istio-init"],"containers":["istio-proxy"],"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert"],"imagePullSecrets":null,"revision":"default"}',
        },
      };
    return {
      containers: [
        {
          name: 'linkerd-proxy',
          image: 'cr.l5d.io/linkerd/proxy:edge-25.4.4',
          ports: [
            { containerPort: 4143, name: 'linkerd-proxy' },
            { containerPort: 4191, name: 'linkerd-admin' },
          ],
          readinessProbe: {
            httpGet: { path: '/ready', port: 4191 },
            initialDelaySeconds: 2,
            timeoutSeconds: 1,
          },
          livenessProbe: { httpGet: { path: '/live', port: 4191 }, initialDelaySeconds: 10 },
        },
      ],
      initContainers: [
        {
          name: 'linkerd-init',
          image: 'cr.l5d.io/linkerd/proxy-init:v2.4.2',
          args: [
            '--incoming-proxy-port',
            '4143',
            '--outgoing-proxy-port',
            '4140',
            '--proxy-uid',
            '2102',
            '--inbound-ports-to-ignore',
            '4190,4191,4567,4568',
            '--outbound-ports-to-ignore',
            '4567,4568',
          ],
        },
      ],
      annotations: {
        'linkerd.io/created-by': 'linkerd/proxy-injector edge-25.4.4',
        'linkerd.io/proxy-version': 'edge-25.4.4',
        'linkerd.io/trust-root-sha256': 'a3c3b1f2e1d8d5b0c7d2f4f0c5b6a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2',
        'viz.linkerd.io/tap-enabled': 'true',
      },
    };
  };

  const releaseManaged = topo.release && profile.deployTool === 'helm';
  const argo = profile.deployTool === 'argocd-controller';
  const deployManager = profile.deployTool;
  const ownerMeta = (ns, kind, name, inRelease) => ({
    ...(releaseManaged && inRelease
      ? { 'meta.helm.sh/release-name': topo.release.name, 'meta.helm.sh/release-namespace': topo.release.ns }
      : {}),
    ...(argo && inRelease
      ? {
          'argocd.argoproj.io/tracking-id': `${topo.id}:${kind === 'Deployment' ? 'apps' : ''}/${kind}:${ns}/${name}`,
        }
      : {}),
  });
  const created = (ageDays) => isoSec(start - ageDays * 86_400_000 - rng.int(0, 86_400_000));
  const appAge = rng.int(8, 120);
  const meta = (
    ns,
    name,
    manager,
    { labels, annotations, fields = { 'f:metadata': { 'f:labels': {} } }, age = appAge } = {},
  ) => ({
    name,
    namespace: ns,
    uid: rng.uuid(),
    creationTimestamp: created(age),
    ...(labels && Object.keys(labels).length ? { labels } : {}),
    ...(annotations && Object.keys(annotations).length ? { annotations } : {}),
    managedFields: [
      {
        manager,
        operation: manager === 'argocd-controller' ? 'Apply' : 'Update',
        apiVersion: 'v1',
        time: isoSec(start - rng.int(1, Math.max(2, age)) * 86_400_000),
        fieldsType: 'FieldsV1',
        fieldsV1: fields,
      },
    ],
  });

  // Namespaces' default ServiceAccount and root CA.
  const namespaces = [...topo.namespaces, 'kube-system', 'monitoring'];
  for (const ns of namespaces) {
    world.watchedNs.add(ns);
    sim.list({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta(ns, 'default', 'kube-controller-manager', { age: appAge + 5 }),
    });
    sim.list({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        ...meta(ns, 'kube-root-ca.crt', 'kube-controller-manager', {
          annotations: {
            'kubernetes.io/description':
              'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IPs or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.',
          },
          age: appAge + 5,
        }),
      },
      data: {
        'ca.crt':
          '-----BEGIN CERTIFICATE-----\nMIIC/jCCAeagAwIBAgIBADANBgkqhkiG9w0BAQsFADAVMRMwEQYDVQQDEwprdWJl\n-----END CERTIFICATE-----\n',
      },
    });
  }
  for (const sa of topo.serviceAccounts)
    sim.list({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: meta(sa.ns, sa.name, deployManager, {
        labels: sa.labels,
        annotations: ownerMeta(sa.ns, 'ServiceAccount', sa.name, true),
      }),
    });
  for (const cm of topo.configMaps) {
    const o = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: meta(cm.ns, cm.name, deployManager, {
        labels: cm.labels,
        annotations: ownerMeta(cm.ns, 'ConfigMap', cm.name, true),
        fields: { 'f:data': {}, 'f:metadata': { 'f:labels': {} } },
      }),
      data: cm.data,
    };
    sim.list(o);
    configs.set(keyOf('ConfigMap', cm.ns, cm.name), [{ t: -Infinity, data: clone(cm.data) }]);
  }
  for (const s of topo.secrets) {
    const o = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(s.ns, s.name, 'kubectl-client-side-apply', {
        labels: s.labels,
        fields: { 'f:data': {}, 'f:type': {} },
      }),
      data: s.data,
      type: 'Opaque',
    };
    sim.list(o);
    configs.set(keyOf('Secret', s.ns, s.name), [{ t: -Infinity, data: clone(s.data) }]);
    if (s.db) dbPasswords.set(`${s.ns}/${s.db.name}`, s.db.password);
  }
  for (const x of topo.extra)
    sim.list({
      ...clone(x),
      metadata: {
        ...meta(x.metadata.namespace, x.metadata.name, deployManager, {
          labels: x.metadata.labels,
          annotations: {
            ...(x.metadata.annotations ?? {}),
            ...ownerMeta(x.metadata.namespace, x.kind, x.metadata.name, true),
          },
          fields: { 'f:spec': {} },
        }),
        generation: rng.int(1, 4),
      },
    });

  // Helm keeps every release revision in a Secret of type helm.sh/release.v1.
  if (releaseManaged) {
    world.helmRevision = rng.int(4, 19);
    for (let v = Math.max(1, world.helmRevision - 2); v <= world.helmRevision; v++)
      sim.list(
        helmReleaseSecret(
          rng,
          topo.release,
          v,
          v === world.helmRevision ? 'deployed' : 'superseded',
          start - (world.helmRevision - v + 1) * rng.int(1, 9) * 86_400_000,
        ),
      );
  }

  // Workloads.
  const services = new Map();
  const svcOf = (ns, name) => {
    const id = `${ns}/${name}`;
    if (!services.has(id)) services.set(id, { ns, name, workloads: [] });
    return services.get(id);
  };
  const allDefs = [...topo.deployments, ...bystanders()];
  for (const d of allDefs) {
    world.watchedNs.add(d.ns);
    const inRelease = !!d.inRelease;
    const manager =
      d.manager ?? (d.ns === topo.namespaces[0] || topo.namespaces.includes(d.ns) ? deployManager : 'helm');
    const containers = clone(d.containers);
    if (d.hpa && !containers[0].resources?.requests?.cpu)
      containers[0].resources = {
        ...containers[0].resources,
        requests: { ...(containers[0].resources?.requests ?? {}), cpu: d.cpuRequest ?? '100m' },
      };
    const template = {
      metadata: {
        labels: { ...d.podLabels },
        ...(d.podAnnotations ? { annotations: { ...d.podAnnotations } } : {}),
      },
      spec: defaultPodSpec({
        ...(d.sa ? { serviceAccountName: d.sa } : {}),
        containers,
        ...((d.initContainers ?? d.init) ? { initContainers: clone(d.initContainers ?? d.init) } : {}),
        ...(d.volumes ? { volumes: clone(d.volumes) } : {}),
      }),
    };
    const strategy =
      d.strategy?.type === 'Recreate'
        ? { type: 'Recreate' }
        : { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } };
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        ...meta(d.ns, d.name, manager, {
          labels: { ...d.labels },
          annotations: { ...(d.annotations ?? {}), ...ownerMeta(d.ns, 'Deployment', d.name, inRelease) },
          fields: {
            'f:metadata': { 'f:labels': {} },
            'f:spec': { 'f:replicas': {}, 'f:selector': {}, 'f:strategy': {}, 'f:template': {} },
          },
        }),
        generation: rng.int(3, 40),
      },
      spec: {
        replicas: d.replicas,
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: { ...d.selector } },
        strategy,
        template,
      },
      status: {},
    };
    const w = {
      ns: d.ns,
      name: d.name,
      def: d,
      dep,
      rss: [],
      calls: d.calls ?? [],
      cpuRequestMilli: milli(containers[0].resources?.requests?.cpu ?? d.cpuRequest) ?? 100,
      cpuLimitMilli: milli(containers[0].resources?.limits?.cpu),
      bystander: !!d.bystander,
    };
    w.readyCount = () =>
      w.rss.flatMap((rs) => rs.pods).filter((p) => p.ready && !p.terminating && !p.gone).length;
    kube.workloads.set(`${d.ns}/${d.name}`, w);
    if (d.service) svcOf(d.ns, d.service).workloads.push(w);
    // Restart counts pods carry from before the recording (an old OOM kill, a node drain).
    const restarts = () => (rng.chance(0.12) ? rng.int(1, 6) : 0);
    kube.listDeployment(w, {
      revision: rng.int(2, 14),
      history: rng.int(1, 3),
      podAgeMs: rng.int(2, 20 * 24) * 3_600_000,
      restarts,
    });
    if (d.hpa) {
      const h = {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: meta(d.ns, d.name, d.hpaManager ?? 'kubectl-client-side-apply', {
          labels: d.hpaManager === 'kubectl-autoscale' ? undefined : { ...d.labels },
          fields: {
            'f:spec': { 'f:maxReplicas': {}, 'f:metrics': {}, 'f:minReplicas': {}, 'f:scaleTargetRef': {} },
          },
        }),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: d.name },
          minReplicas: d.hpa.min,
          maxReplicas: d.hpa.max,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: d.hpa.cpu } },
            },
          ],
        },
        status: {
          currentReplicas: d.replicas,
          desiredReplicas: d.replicas,
          currentMetrics: [],
          conditions: [],
        },
      };
      w.hpa = h;
      sim.list(h);
    }
  }
  // Services (one per name, whatever number of Deployments it selects).
  const listedSvc = new Set();
  for (const d of allDefs) {
    if (!d.service || listedSvc.has(`${d.ns}/${d.service}`)) continue;
    listedSvc.add(`${d.ns}/${d.service}`);
    const ports = (d.servicePorts ?? [{ port: d.containers[0].ports?.[0]?.containerPort ?? 8080 }]).map(
      (p) => ({
        ...(p.name ? { name: p.name } : {}),
        protocol: 'TCP',
        port: p.port,
        targetPort: p.targetPort ?? p.port,
      }),
    );
    const ip = `10.96.${rng.int(0, 255)}.${rng.int(2, 254)}`;
    sim.list({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(
        d.ns,
        d.service,
        d.manager ?? (topo.namespaces.includes(d.ns) ? deployManager : 'helm'),
        {
          labels: d.serviceLabels ?? d.labels,
          annotations: {
            ...(d.serviceAnnotations ?? {}),
            ...ownerMeta(d.ns, 'Service', d.service, !!d.inRelease),
          },
          fields: { 'f:spec': { 'f:ports': {}, 'f:selector': {} } },
        },
      ),
      spec: {
        type: d.serviceType ?? 'ClusterIP',
        clusterIP: ip,
        clusterIPs: [ip],
        ports,
        selector: { ...(d.serviceSelector ?? d.selector) },
        sessionAffinity: 'None',
        internalTrafficPolicy: 'Cluster',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
      },
    });
  }
  // The Service kube-prometheus-stack creates to scrape kube-proxy (whose target is down on many managed clusters).
  sim.list({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('kube-system', 'kube-prometheus-stack-kube-proxy', 'helm', {
      labels: {
        app: 'kube-prometheus-stack-kube-proxy',
        jobLabel: 'kube-proxy',
        'app.kubernetes.io/managed-by': 'Helm',
        release: 'kube-prometheus-stack',
      },
      annotations: {
        'meta.helm.sh/release-name': 'kube-prometheus-stack',
        'meta.helm.sh/release-namespace': 'monitoring',
      },
    }),
    spec: {
      type: 'ClusterIP',
      clusterIP: 'None',
      clusterIPs: ['None'],
      ports: [{ name: 'http-metrics', port: 10249, protocol: 'TCP', targetPort: 10249 }],
      selector: { 'k8s-app': 'kube-proxy' },
      sessionAffinity: 'None',
    },
  });
  // StatefulSets and DaemonSets: listed with their pods, which stay up.
  world.statics = [];
  for (const s of [...topo.statefulSets, ...topo.daemonSets])
    listStatic(world, s, meta, topo.daemonSets.includes(s), svcOf);

  world.services = services;
  world.sources = topo.sources;
  world.traffic = new Traffic(world);
  const [lo, hi] = topo.load.rps;
  const base = rng.uniform(lo, hi);
  const phase = rng.uniform(0, 2 * Math.PI);
  world.loadSpikes = [];
  // Users come and go in a slow wave; a constant-throughput generator (wrk2 for hotelReservation) holds its rate.
  const wave = topo.load.wave ?? 0.1;
  const wiggle = topo.load.wiggle ?? 0.04;
  world.load = (t) => {
    let r =
      base *
      (1 + wave * Math.sin(phase + (2 * Math.PI * (t - start)) / (150 * MIN))) *
      (1 + wiggle * Math.sin((t - start) / 97_000));
    for (const s of world.loadSpikes) if (t >= s.from && t < s.to) r *= s.factor;
    return r;
  };
  world.baseLoad = base;
  // Feature flags of the OTel demo: what the serving flagd pods loaded at their start.
  world.dynamicEffect = (w) => {
    if (!topo.flags) return null;
    const flagd = kube.workloads.get(`${topo.namespaces[0]}/flagd`);
    if (!flagd) return null;
    const pods = flagd.rss.flatMap((rs) => rs.pods).filter((p) => p.ready && !p.terminating && !p.gone);
    if (!pods.length) return null; // providers fall back to the default variants
    let eff = null;
    for (const [name, value] of Object.entries(pods[0].behaviour.snapshot ?? {})) {
      const f = FLAGS[name];
      if (!f || f.target !== w.name) continue;
      const e = f.effect(value);
      eff = {
        err: 1 - (1 - (eff?.err ?? 0)) * (1 - (e.err ?? 0)),
        latFactor: (eff?.latFactor ?? 1) * (e.latFactor ?? 1),
        latAddMs: (eff?.latAddMs ?? 0) + (e.latAddMs ?? 0),
      };
    }
    return eff;
  };
  world.extraAlerts = () => [];
  return world;
}

function listStatic(world, s, meta, daemon, svcOf) {
  const { sim, rng, nodes, kube } = world;
  const kind = daemon ? 'DaemonSet' : 'StatefulSet';
  const tpl = {
    metadata: { labels: { ...s.selector } },
    spec: defaultPodSpec({
      containers: [
        {
          name: s.container,
          image: s.image,
          ...(s.port ? { ports: [{ containerPort: s.port }] } : {}),
          resources: { limits: { cpu: '200m', memory: '100Mi' }, requests: { cpu: '100m', memory: '50Mi' } },
        },
      ],
    }),
  };
  const owner = {
    apiVersion: 'apps/v1',
    kind,
    metadata: {
      ...meta(s.ns, s.name, 'helm', {
        labels: s.labels,
        annotations: s.annotations,
        fields: { 'f:spec': {} },
      }),
      generation: rng.int(1, 6),
    },
    spec: {
      ...(daemon ? {} : { replicas: 1, serviceName: s.name, podManagementPolicy: 'OrderedReady' }),
      selector: { matchLabels: s.selector },
      template: tpl,
      ...(daemon
        ? { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } } }
        : { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } } }),
    },
    status: {},
  };
  const revision = `${s.name}-${rng.chars(10, 'bcdfghjklmnpqrstvwxz2456789')}`;
  const targets = daemon ? nodes : [rng.pick(nodes)];
  const w = {
    ns: s.ns,
    name: s.name,
    def: {
      name: s.name,
      runtime: 'db',
      model: {
        baseMs: s.model?.baseMs ?? 1,
        capRps: s.model?.capRps ?? 1000,
        cpuPerReq: s.model?.cpuPerReq ?? 0.0002,
        memMi: 40,
      },
      calls: [],
    },
    rss: [{ pods: [] }],
    calls: [],
    static: true,
    cpuRequestMilli: 100,
    cpuLimitMilli: 200,
    dep: null,
  };
  targets.forEach((node, i) => {
    const name = daemon ? `${s.name}-${rng.chars(5, 'bcdfghjklmnpqrstvwxz2456789')}` : `${s.name}-${i}`;
    const since = world.start - rng.int(3, 400) * 3_600_000;
    const ip = `${node.cidr}.${rng.int(2, 253)}`;
    const spec = clone(tpl.spec);
    spec.nodeName = node.name;
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: s.ns,
        uid: rng.uuid(),
        creationTimestamp: isoSec(since),
        labels: {
          ...s.selector,
          'controller-revision-hash': revision,
          ...(daemon
            ? { 'pod-template-generation': '1' }
            : { 'apps.kubernetes.io/pod-index': String(i), 'statefulset.kubernetes.io/pod-name': name }),
        },
        ownerReferences: [
          {
            apiVersion: 'apps/v1',
            kind,
            name: s.name,
            uid: owner.metadata.uid,
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
        managedFields: [],
      },
      spec,
      status: {
        phase: 'Running',
        conditions: [
          'PodReadyToStartContainers',
          'Initialized',
          'Ready',
          'ContainersReady',
          'PodScheduled',
        ].map((type) => ({
          type,
          status: 'True',
          lastProbeTime: null,
          lastTransitionTime: isoSec(since + 5000),
        })),
        hostIP: node.ip,
        hostIPs: [{ ip: node.ip }],
        podIP: ip,
        podIPs: [{ ip }],
        startTime: isoSec(since),
        containerStatuses: [
          {
            name: s.container,
            state: { running: { startedAt: isoSec(since + 3000) } },
            lastState: {},
            ready: true,
            restartCount: 0,
            image: s.image,
            imageID: `docker.io/library/${s.image.split(':')[0]}@sha256:${rng.hex(64)}`,
            containerID: `containerd://${rng.hex(64)}`,
            started: true,
          },
        ],
        qosClass: 'Burstable',
      },
    };
    sim.list(pod);
    const p = {
      obj: pod,
      name,
      ns: s.ns,
      w,
      node,
      ready: true,
      terminating: false,
      gone: false,
      served: 0,
      servingSince: world.start,
      crashesInTick: 0,
      containers: new Map([
        [
          s.container,
          { main: true, name: s.container, state: { running: {} }, restartCount: 0, startedAt: since },
        ],
      ]),
      behaviour: {
        err: 0,
        latFactor: 1,
        latAddMs: 0,
        capFactor: 1,
        cpuFactor: 1,
        memBaseMi: 40,
        memLimitMi: 100,
        startMs: 0,
      },
      createdAt: since,
    };
    w.rss[0].pods.push(p);
  });
  owner.status = daemon
    ? {
        currentNumberScheduled: nodes.length,
        desiredNumberScheduled: nodes.length,
        numberAvailable: nodes.length,
        numberMisscheduled: 0,
        numberReady: nodes.length,
        observedGeneration: owner.metadata.generation,
        updatedNumberScheduled: nodes.length,
      }
    : {
        availableReplicas: 1,
        collisionCount: 0,
        currentReplicas: 1,
        currentRevision: revision,
        observedGeneration: owner.metadata.generation,
        readyReplicas: 1,
        replicas: 1,
        updateRevision: revision,
        updatedReplicas: 1,
      };
  sim.list(owner);
  if (s.service) {
    svcOf(s.ns, s.service).workloads.push(w);
    const ip = `10.96.${rng.int(0, 255)}.${rng.int(2, 254)}`;
    sim.list({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(s.ns, s.service, 'helm', { labels: s.labels, annotations: s.annotations }),
      spec: {
        type: 'ClusterIP',
        clusterIP: ip,
        clusterIPs: [ip],
        ports: [{ name: s.service, protocol: 'TCP', port: s.port, targetPort: s.port }],
        selector: s.selector,
        sessionAffinity: 'None',
      },
    });
  }
  world.statics.push(w);
  kube.statics = world.statics;
}

/** A Helm release record (the payload is a fake, base64 of gzip-looking bytes: Secret data is never real here). */
export function helmReleaseSecret(rng, release, version, status, at) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'helm.sh/release.v1',
    metadata: {
      name: `sh.helm.release.v1.${release.name}.v${version}`,
      namespace: release.ns,
      uid: rng.uuid(),
      creationTimestamp: isoSec(at),
      labels: {
        modifiedAt: String(Math.floor(at / 1000)),
        name: release.name,
        owner: 'helm',
        status,
        version: String(version),
      },
      managedFields: [
        {
          manager: 'helm',
          operation: 'Update',
          apiVersion: 'v1',
          time: isoSec(at),
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:data': { '.': {}, 'f:release': {} },
            'f:metadata': { 'f:labels': {} },
            'f:type': {},
          },
        },
      ],
    },
    data: { release: Buffer.from(`H4sIAAAAAAAC/${rng.hex(48)}`).toString('base64') },
  };
}

/** What every cluster runs besides the application (changes and alerts happen there too). */
function bystanders() {
  const mk = (ns, name, image, o = {}) => ({
    ns,
    name,
    service: o.service === undefined ? name : o.service,
    replicas: o.replicas ?? 1,
    labels: {
      'app.kubernetes.io/name': name,
      'app.kubernetes.io/instance': o.instance ?? name,
      'app.kubernetes.io/managed-by': 'Helm',
      ...(o.chart ? { 'helm.sh/chart': o.chart } : {}),
    },
    annotations: { 'meta.helm.sh/release-name': o.instance ?? name, 'meta.helm.sh/release-namespace': ns },
    selector: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': o.instance ?? name },
    podLabels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': o.instance ?? name },
    sa: name,
    containers: [
      {
        name: o.container ?? name,
        image,
        ...(o.args ? { args: o.args } : {}),
        ports: [{ containerPort: o.port ?? 8080, name: 'http' }],
        resources: o.resources ?? { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
        ...(o.probe ? { readinessProbe: o.probe } : {}),
      },
    ],
    servicePorts: [{ name: 'http', port: o.port ?? 8080 }],
    runtime: 'go',
    role: 'bystander',
    bystander: true,
    calls: [],
    consumes: { configMaps: [], secrets: [] },
    manager: 'helm',
    model: {
      baseMs: 2,
      capRps: 500,
      cpuPerReq: 0.001,
      cpuIdle: o.cpuIdle ?? 0.01,
      memMi: o.memMi ?? 60,
      startMi: 20,
      healthPaths: o.probe ? [o.probe.httpGet.path] : [],
    },
  });
  const kps = '75.15.1';
  return [
    {
      ...mk('kube-system', 'coredns', 'registry.k8s.io/coredns/coredns:v1.11.3', {
        replicas: 2,
        port: 53,
        container: 'coredns',
        probe: { httpGet: { path: '/ready', port: 8181 } },
        memMi: 25,
      }),
      labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/name': 'CoreDNS' },
      annotations: {},
      selector: { 'k8s-app': 'kube-dns' },
      podLabels: { 'k8s-app': 'kube-dns' },
      service: 'kube-dns',
      manager: 'kube-addon-manager',
      model: {
        baseMs: 0.3,
        capRps: 5000,
        cpuPerReq: 0.0001,
        cpuIdle: 0.004,
        memMi: 22,
        startMi: 10,
        healthPaths: ['/ready'],
      },
    },
    {
      ...mk('kube-system', 'metrics-server', 'registry.k8s.io/metrics-server/metrics-server:v0.7.2', {
        port: 10250,
        args: [
          '--cert-dir=/tmp',
          '--secure-port=10250',
          '--kubelet-preferred-address-types=InternalIP',
          '--metric-resolution=15s',
        ],
        memMi: 30,
      }),
      manager: 'kube-addon-manager',
    },
    mk('monitoring', 'kube-prometheus-stack-grafana', 'docker.io/grafana/grafana:11.6.0', {
      instance: 'kube-prometheus-stack',
      chart: 'grafana-8.11.4',
      port: 3000,
      container: 'grafana',
      memMi: 140,
      probe: { httpGet: { path: '/api/health', port: 3000 } },
    }),
    mk(
      'monitoring',
      'kube-prometheus-stack-kube-state-metrics',
      'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.15.0',
      {
        instance: 'kube-prometheus-stack',
        chart: 'kube-state-metrics-5.31.0',
        container: 'kube-state-metrics',
        memMi: 55,
        probe: { httpGet: { path: '/readyz', port: 8081 } },
      },
    ),
    mk(
      'monitoring',
      'kube-prometheus-stack-operator',
      `quay.io/prometheus-operator/prometheus-operator:v0.81.0`,
      {
        instance: 'kube-prometheus-stack',
        chart: `kube-prometheus-stack-${kps}`,
        port: 10250,
        container: 'kube-prometheus-stack',
        memMi: 45,
      },
    ),
  ].map((d) => ({ ...d, calls: [], replicas: d.replicas ?? 1 }));
}

export { milli };
