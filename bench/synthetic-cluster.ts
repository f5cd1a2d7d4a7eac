import {
  CHANGE_CLASSES,
  objectKey,
  stableId,
  type AnomalySignal,
  type ChangeClass,
  type ChangeEvent,
  type ObjectRef,
  type ObjectState,
} from '#contracts';

/**
 * A synthetic but realistically shaped cluster for the correlator benchmark: namespaces of microservices, each
 * with a Deployment (env vars naming the services it calls, envFrom a ConfigMap, a Secret volume), its
 * ReplicaSet and Pods, a Service, ConfigMap, Secret, ServiceAccount and HPA; change events of the usual
 * classes spread over hours (rollouts, config edits, scaling, secret rotations); and alerts.
 * Seeded, so every run benchmarks the same cluster.
 */
export interface SyntheticCluster {
  objects: Array<{ key: string; state: ObjectState }>;
  changes: ChangeEvent[];
  anomalies: AnomalySignal[];
  services: Array<{ namespace: string; name: string }>;
  start: number;
  end: number;
}

const CLUSTER = 'bench';
const KINDS = {
  Deployment: { group: 'apps', resource: 'deployments' },
  ReplicaSet: { group: 'apps', resource: 'replicasets' },
  Pod: { group: '', resource: 'pods' },
  Service: { group: '', resource: 'services' },
  ConfigMap: { group: '', resource: 'configmaps' },
  Secret: { group: '', resource: 'secrets' },
  ServiceAccount: { group: '', resource: 'serviceaccounts' },
  HorizontalPodAutoscaler: { group: 'autoscaling', resource: 'horizontalpodautoscalers' },
} as const;
type Kind = keyof typeof KINDS;

/** Mulberry32: small, fast, seeded. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ref(kind: Kind, namespace: string, name: string): ObjectRef {
  const k = KINDS[kind];
  return {
    cluster: CLUSTER,
    group: k.group,
    version: k.group === 'autoscaling' ? 'v2' : 'v1',
    kind,
    resource: k.resource,
    namespace,
    name,
    uid: stableId(kind, namespace, name),
  };
}

export function generateCluster(opts: {
  resources: number;
  changes: number;
  anomalies: number;
  hours: number;
  seed?: number;
}): SyntheticCluster {
  const random = rng(opts.seed ?? 42);
  const pickInt = (n: number) => Math.floor(random() * n);
  const servicesPerNamespace = 40;
  const objectsPerService = 10; // Deployment, ReplicaSet, 3 Pods, Service, ConfigMap, Secret, ServiceAccount, HPA
  const serviceCount = Math.ceil(opts.resources / objectsPerService);
  const namespaces = Math.ceil(serviceCount / servicesPerNamespace);
  const end = Date.parse('2025-06-05T12:00:00.000Z');
  const start = end - opts.hours * 3_600_000;
  const iso = (t: number) => new Date(t).toISOString();

  const objects: SyntheticCluster['objects'] = [];
  const services: SyntheticCluster['services'] = [];
  const put = (kind: Kind, namespace: string, name: string, object: Record<string, unknown>) => {
    const r = ref(kind, namespace, name);
    const state: ObjectState = {
      schemaVersion: 1,
      ref: r,
      resourceVersion: String(objects.length + 1),
      observedAt: iso(start),
      object,
    };
    objects.push({ key: objectKey(r), state });
  };

  for (let n = 0; n < namespaces; n++) {
    const ns = `team-${n.toString().padStart(3, '0')}`;
    for (let s = 0; s < servicesPerNamespace && services.length < serviceCount; s++) {
      const name = `svc-${s.toString().padStart(2, '0')}`;
      services.push({ namespace: ns, name });
      const labels = { app: name };
      // Calls go to 1-3 "lower" services of the namespace (a DAG), sometimes to a shared namespace's service.
      const calls = Array.from(
        { length: s === 0 ? 0 : 1 + pickInt(3) },
        () => `svc-${pickInt(Math.max(1, s)).toString().padStart(2, '0')}`,
      );
      const env = [...new Set(calls)].map((c) => ({
        name: `${c.replace('-', '_').toUpperCase()}_ADDR`,
        value: `${c}:8080`,
      }));
      if (n > 0 && random() < 0.2)
        env.push({ name: 'SHARED_AUTH_URL', value: `http://svc-00.team-000.svc.cluster.local:8080` });
      const meta = (kind: string, nm = name) => ({
        apiVersion: kind === 'Deployment' || kind === 'ReplicaSet' ? 'apps/v1' : 'v1',
        kind,
        metadata: { name: nm, namespace: ns, labels },
      });
      put('Deployment', ns, name, {
        ...meta('Deployment'),
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: name,
              containers: [
                {
                  name,
                  image: `registry.example.com/${ns}/${name}:1.0.0`,
                  env,
                  envFrom: [{ configMapRef: { name: `${name}-config` } }],
                  volumeMounts: [{ name: 'creds', mountPath: '/etc/creds' }],
                },
              ],
              volumes: [{ name: 'creds', secret: { secretName: `${name}-creds` } }],
            },
          },
        },
      });
      const rs = `${name}-6d4cf56db6`;
      put('ReplicaSet', ns, rs, {
        ...meta('ReplicaSet', rs),
        metadata: {
          name: rs,
          namespace: ns,
          labels: { ...labels, 'pod-template-hash': '6d4cf56db6' },
          ownerReferences: [
            { kind: 'Deployment', name, apiVersion: 'apps/v1', uid: stableId('Deployment', ns, name) },
          ],
        },
        spec: { replicas: 3, selector: { matchLabels: labels } },
      });
      for (let p = 0; p < 3; p++) {
        const pod = `${rs}-${p}x${pickInt(1e5).toString(36)}`;
        put('Pod', ns, pod, {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: {
            name: pod,
            namespace: ns,
            labels,
            ownerReferences: [
              { kind: 'ReplicaSet', name: rs, apiVersion: 'apps/v1', uid: stableId('ReplicaSet', ns, rs) },
            ],
          },
          spec: {
            nodeName: `node-${pickInt(200)}`,
            containers: [{ name, image: `registry.example.com/${ns}/${name}:1.0.0` }],
          },
        });
      }
      put('Service', ns, name, {
        ...meta('Service'),
        spec: { selector: labels, ports: [{ port: 8080, targetPort: 8080 }] },
      });
      put('ConfigMap', ns, `${name}-config`, {
        ...meta('ConfigMap', `${name}-config`),
        data: { LOG_LEVEL: 'info', TIMEOUT_MS: '2000' },
      });
      put('Secret', ns, `${name}-creds`, {
        ...meta('Secret', `${name}-creds`),
        type: 'Opaque',
        data: { password: `sha256:${stableId('pw', ns, name)}` },
      });
      put('ServiceAccount', ns, name, meta('ServiceAccount'));
      put('HorizontalPodAutoscaler', ns, name, {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name, namespace: ns },
        spec: {
          scaleTargetRef: { kind: 'Deployment', name, apiVersion: 'apps/v1' },
          minReplicas: 2,
          maxReplicas: 10,
        },
      });
    }
  }

  // Changes: most are routine (replicas, rollout restarts by controllers); some are risky (image, config, secret).
  const mix: Array<[Kind, ChangeClass, string, number]> = [
    ['Deployment', 'replicas', 'horizontal-pod-autoscaler', 0.35],
    ['Deployment', 'image', 'argocd-controller', 0.2],
    ['Deployment', 'rollout', 'kubectl-rollout', 0.1],
    ['Deployment', 'env', 'helm', 0.05],
    ['ConfigMap', 'config-data', 'kubectl-edit', 0.12],
    ['Secret', 'secret-rotation', 'external-secrets', 0.05],
    ['HorizontalPodAutoscaler', 'autoscaling', 'helm', 0.08],
    ['Deployment', 'resources', 'helm', 0.05],
  ];
  const changes: ChangeEvent[] = [];
  for (let i = 0; i < opts.changes; i++) {
    let x = random();
    const [kind, cls, manager] = mix.find(([, , , w]) => (x -= w) < 0) ?? mix[0];
    const svc = services[pickInt(services.length)];
    const name =
      kind === 'ConfigMap' ? `${svc.name}-config` : kind === 'Secret' ? `${svc.name}-creds` : svc.name;
    const r = ref(kind, svc.namespace, name);
    const t = start + Math.floor((i / opts.changes) * (end - start)) + pickInt(1000);
    const path =
      cls === 'config-data'
        ? '/data/TIMEOUT_MS'
        : cls === 'secret-rotation'
          ? '/data/password'
          : cls === 'image'
            ? '/spec/template/spec/containers/0/image'
            : '/spec/replicas';
    changes.push({
      schemaVersion: 1,
      changeId: stableId('change', r.namespace, kind, name, i),
      ref: r,
      resourceVersion: String(1_000_000 + i),
      changedAt: iso(t),
      operation: 'update',
      classes: [cls],
      risk: CHANGE_CLASSES[cls].risk,
      paths: [{ path, op: 'replace', old: `v${i}`, new: `v${i + 1}` }],
      summary: `${kind} ${name}: ${path} changed`,
      actor: {
        manager,
        kind: manager.startsWith('kubectl')
          ? 'human'
          : manager === 'horizontal-pod-autoscaler'
            ? 'controller'
            : 'cd',
      },
    });
  }

  const anomalies: AnomalySignal[] = [];
  for (let i = 0; i < opts.anomalies; i++) {
    const svc = services[pickInt(services.length)];
    const onset = start + Math.floor(((i + 1) / (opts.anomalies + 1)) * (end - start));
    anomalies.push({
      schemaVersion: 1,
      anomalyId: stableId('anomaly', svc.namespace, svc.name, i),
      cluster: CLUSTER,
      source: 'alertmanager',
      reason: i % 3 === 0 ? 'HighErrorRate' : i % 3 === 1 ? 'HighLatency' : 'CrashLoopBackOff',
      severity: 'critical',
      status: 'firing',
      subject: { kind: 'Deployment', namespace: svc.namespace, name: svc.name },
      onset: iso(onset),
      observedAt: iso(onset + 60_000),
    });
  }
  return { objects, changes, anomalies, services, start, end };
}
