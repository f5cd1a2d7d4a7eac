// The cluster as it stands when the recording starts: one Deployment + Service per service of the topology, its
// configuration (a ConfigMap for most apps, credentials Secrets for what talks to a database), HPAs on some, and
// the bystander namespaces every real cluster has (monitoring, ops tools). What the manifests reveal of the calls
// follows the topology's `addressing`.
import { sharedConfigFor } from './extended.mjs';
import { services } from './topologies.mjs';

const IMAGES = {
  db: ['mongo:4.4.6', 'postgres:15.4', 'mysql:8.0.36'],
  cache: ['redis:7.2.4', 'memcached:1.6.22'],
};
const envName = (name) =>
  name
    .replace(/^ts-/, '')
    .replace(/-service$/, '')
    .replace(/[^a-z0-9]+/gi, '_')
    .toUpperCase();

function address(topo, caller, callee) {
  const host =
    topo.addressing === 'env-fqdn' && callee.ns !== caller.ns
      ? `${callee.name}.${callee.ns}.svc.cluster.local`
      : callee.name;
  if (topo.addressing === 'env-short') return [`${envName(callee.name)}_ADDR`, `${host}:${callee.port}`];
  if (callee.role === 'db')
    return [
      `${envName(callee.name)}_DSN`,
      `${callee.role === 'db' && callee.port === 5432 ? 'postgres' : 'mongodb'}://${host}:${callee.port}/app`,
    ];
  return [`${envName(callee.name)}_URL`, `http://${host}:${callee.port}`];
}

export function buildCluster(c, topo, rng) {
  const all = services(topo);
  const app = {};
  const manager = rng.pick(['helm', 'argocd-controller']);
  for (const s of all.values()) {
    const env = [
      { name: 'PORT', value: String(s.port) },
      { name: 'LOG_LEVEL', value: 'info' },
    ];
    const volumes = [];
    const mounts = [];
    const consumes = { configMaps: [], secrets: [], envFromConfig: false };
    if (['env-short', 'env-url', 'env-fqdn'].includes(topo.addressing))
      for (const callee of s.calls) {
        const [k, v] = address(topo, s, all.get(callee));
        env.push({ name: k, value: v });
      }
    if (s.role === 'app' && rng.chance(0.7)) {
      const cm = `${s.name}-config`;
      const data = {
        'app.properties': `pool.size=${rng.pick([10, 20, 32])}\ntimeout.ms=${rng.pick([500, 1000, 2000])}\nfeature.newCheckout=false\n`,
        LOG_FORMAT: 'json',
      };
      c.add({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: c.meta(s.ns, cm, manager, c.t0, { labels: { app: s.name } }),
        data,
      });
      if (rng.chance(0.5)) {
        volumes.push({ name: 'config', configMap: { name: cm } });
        mounts.push({ name: 'config', mountPath: '/etc/app' });
        consumes.mode = 'volume';
      } else {
        consumes.mode = 'env';
        consumes.envFromConfig = true;
      }
      consumes.configMaps.push(cm);
    }
    sharedConfigFor(c, topo, s, manager, consumes, volumes, mounts);
    const talksToDb = s.calls.some((id) => all.get(id).role === 'db');
    if (talksToDb || (s.role === 'db' && rng.chance(0.5))) {
      const secret =
        s.role === 'db'
          ? `${s.name}-auth`
          : topo.addressing === 'none'
            ? `${s.name}-credentials`
            : `${s.name}-db-credentials`;
      c.add({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: c.meta(s.ns, secret, manager, c.t0, { labels: { app: s.name } }),
        data: {
          username: Buffer.from(`${s.name}_svc`).toString('base64'),
          password: Buffer.from(rng.hex(20)).toString('base64'),
        },
      });
      env.push({ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: secret, key: 'password' } } });
      consumes.secrets.push(secret);
    }
    if (topo.addressing === 'shared-config' && s.role === 'app') {
      volumes.push({ name: 'service-config', configMap: { name: 'service-config' } });
      mounts.push({ name: 'service-config', mountPath: '/social-network-microservices/config' });
    }
    const image =
      s.role === 'app'
        ? `registry.example.com/${topo.id}/${s.name}:${rng.int(1, 3)}.${rng.int(0, 20)}.${rng.int(0, 9)}`
        : rng.pick(IMAGES[s.role] ?? IMAGES.db);
    const container = {
      name: s.name,
      image,
      ports: [{ containerPort: s.port, protocol: 'TCP' }],
      env,
      ...(consumes.envFromConfig ? { envFrom: [{ configMapRef: { name: consumes.configMaps[0] } }] } : {}),
      resources: {
        requests: { cpu: '100m', memory: '128Mi' },
        limits: { cpu: '500m', memory: rng.pick(['256Mi', '512Mi', '1Gi']) },
      },
      readinessProbe: { httpGet: { path: '/health', port: s.port }, periodSeconds: 10, timeoutSeconds: 1 },
      ...(mounts.length ? { volumeMounts: mounts } : {}),
    };
    c.addDeployment(
      s.ns,
      s.name,
      { containers: [container], ...(volumes.length ? { volumes } : {}) },
      { replicas: s.role === 'app' ? rng.int(1, 2) : 1, manager },
    );
    c.add({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: c.meta(s.ns, s.name, manager, c.t0, { labels: { app: s.name } }),
      spec: {
        type: 'ClusterIP',
        clusterIP: `10.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`,
        ports: [{ port: s.port, targetPort: s.port, protocol: 'TCP' }],
        selector: { app: s.name },
      },
    });
    if (s.role === 'app' && rng.chance(0.35)) {
      const d = c.get('Deployment', s.ns, s.name);
      c.add({
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: c.meta(s.ns, s.name, manager, c.t0),
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: s.name },
          minReplicas: 1,
          maxReplicas: 3,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
            },
          ],
        },
        status: { currentReplicas: d.spec.replicas, desiredReplicas: d.spec.replicas },
      });
      s.hpa = true;
    }
    app[s.id] = { ...s, consumes };
  }
  if (topo.addressing === 'shared-config') {
    const ns = Object.keys(topo.namespaces)[0];
    const listing = Object.fromEntries(
      [...all.values()].map((s) => [s.name, { addr: s.name, port: s.port }]),
    );
    c.add({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: c.meta(ns, 'service-config', manager, c.t0),
      data: { 'service-config.json': JSON.stringify(listing, null, 2) },
    });
  }
  // Bystanders: monitoring and ops tools, where unrelated changes and alerts happen.
  for (const [ns, names] of [
    ['monitoring', ['prometheus', 'grafana', 'kube-state-metrics']],
    ['ops-tools', ['status-page', 'backoffice-reports']],
  ]) {
    for (const name of names) {
      c.addDeployment(
        ns,
        name,
        {
          containers: [
            {
              name,
              image: `${name}:v${rng.int(1, 9)}.${rng.int(0, 9)}.${rng.int(0, 9)}`,
              env: [{ name: 'LOG_LEVEL', value: 'info' }],
              resources: { limits: { memory: '512Mi' } },
            },
          ],
        },
        { manager: 'helm' },
      );
      c.add({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: c.meta(ns, name, 'helm', c.t0),
        spec: { ports: [{ port: 9090 }], selector: { app: name } },
      });
      app[`${ns}/${name}`] = {
        ns,
        name,
        id: `${ns}/${name}`,
        calls: [],
        role: 'bystander',
        consumes: { configMaps: [], secrets: [] },
      };
    }
    c.add({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: c.meta(ns, `${ns}-settings`, 'helm', c.t0),
      data: { LOG_LEVEL: 'info', RETENTION: '15d' },
    });
  }
  return { all, app, manager };
}
