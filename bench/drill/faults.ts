/**
 * The faulty changes a drill can make, each with the symptom it brings. The pod-level ones break only the new
 * pods of a rollout (the old pod keeps serving, as in a real cluster), and KWOK's fault stages
 * (scripts/cluster.d/stages/pod-faults.yaml) give those pods the status a kubelet would write. The others
 * (NetworkPolicy, scale to zero) have no pod-level symptom: the front end's error rate rises, which the drill
 * reports as an alert rule would, through the correlator's Alertmanager webhook.
 */
import type { LiveCluster } from './live-cluster.js';

export interface CauseRef {
  kind: string;
  name: string;
}

export interface AlertmanagerAlert {
  status: 'firing';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
}

export interface Fault {
  name: string;
  /** What the change does, for the drill's log. */
  describe(target: string): string;
  /** Makes the faulty change on `target` (a Deployment of the application); returns the object it changed. */
  inject(cluster: LiveCluster, namespace: string, target: string): CauseRef;
  /** True once the cluster shows the fault's consequence. */
  visible(cluster: LiveCluster, namespace: string, target: string): boolean;
  /** Alerts an alert rule on the front end's error rate fires once the fault is visible (request-level faults). */
  alerts?(namespace: string, target: string): AlertmanagerAlert[];
}

interface PodStatus {
  metadata: { name: string; deletionTimestamp?: string };
  status?: {
    containerStatuses?: Array<{
      ready?: boolean;
      restartCount?: number;
      state?: { waiting?: { reason?: string }; running?: unknown };
      lastState?: { terminated?: { reason?: string } };
    }>;
  };
}

function pods(cluster: LiveCluster, namespace: string, app: string): PodStatus[] {
  return cluster.getJson<{ items: PodStatus[] }>(['-n', namespace, 'get', 'pods', '-l', `app=${app}`]).items;
}

const anyContainer = (
  cluster: LiveCluster,
  namespace: string,
  app: string,
  test: (c: NonNullable<NonNullable<PodStatus['status']>['containerStatuses']>[number]) => boolean,
) => pods(cluster, namespace, app).some((p) => (p.status?.containerStatuses ?? []).some(test));

function container(cluster: LiveCluster, namespace: string, target: string): { name: string; image: string } {
  const d = cluster.getJson<{
    spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } };
  }>(['-n', namespace, 'get', 'deployment', target]);
  return d.spec.template.spec.containers[0];
}

function frontendErrors(namespace: string, target: string): AlertmanagerAlert[] {
  return [
    {
      status: 'firing',
      labels: { alertname: 'HighErrorRate', namespace, service: 'frontend', severity: 'critical' },
      annotations: { summary: `frontend: 5xx ratio above 5% (requests to ${target} fail)` },
      startsAt: new Date().toISOString(),
    },
  ];
}

export const FAULTS: readonly Fault[] = [
  {
    name: 'bad-image',
    describe: (t) => `kubectl set image deployment/${t} to a tag the registry does not have`,
    inject: (cluster, ns, t) => {
      const c = container(cluster, ns, t);
      const image = `${c.image.replace(/:[^:/]+$/, '')}:v0.10.7-nonexistent`;
      cluster.kubectl(['-n', ns, 'set', 'image', `deployment/${t}`, `${c.name}=${image}`]);
      return { kind: 'Deployment', name: t };
    },
    visible: (cluster, ns, t) =>
      anyContainer(cluster, ns, t, (c) =>
        ['ErrImagePull', 'ImagePullBackOff'].includes(c.state?.waiting?.reason ?? ''),
      ),
  },
  {
    name: 'crashloop-config',
    describe: (t) => `kubectl set env deployment/${t} PORT=70000 (not a port: the program exits at start)`,
    inject: (cluster, ns, t) => {
      cluster.kubectl(['-n', ns, 'set', 'env', `deployment/${t}`, 'PORT=70000']);
      return { kind: 'Deployment', name: t };
    },
    visible: (cluster, ns, t) =>
      anyContainer(
        cluster,
        ns,
        t,
        (c) => c.lastState?.terminated?.reason === 'Error' && (c.restartCount ?? 0) > 0,
      ),
  },
  {
    name: 'memory-limit',
    describe: (t) => `kubectl set resources deployment/${t} memory 32Mi (below the program's working set)`,
    inject: (cluster, ns, t) => {
      cluster.kubectl([
        '-n',
        ns,
        'set',
        'resources',
        `deployment/${t}`,
        '--limits=memory=32Mi',
        '--requests=memory=32Mi',
      ]);
      return { kind: 'Deployment', name: t };
    },
    visible: (cluster, ns, t) =>
      anyContainer(cluster, ns, t, (c) => c.lastState?.terminated?.reason === 'OOMKilled'),
  },
  {
    name: 'readiness-probe',
    describe: (t) =>
      `kubectl patch deployment/${t}: the readiness probe checks a port the program does not serve`,
    inject: (cluster, ns, t) => {
      const d = cluster.getJson<{
        spec: {
          template: { spec: { containers: Array<{ readinessProbe?: Record<string, { port?: number }> }> } };
        };
      }>(['-n', ns, 'get', 'deployment', t]);
      const probe = d.spec.template.spec.containers[0].readinessProbe ?? {};
      const handler = ['grpc', 'httpGet', 'tcpSocket'].find((h) => probe[h]?.port !== undefined);
      if (!handler) throw new Error(`${t} has no readiness probe with a port`);
      const path = `/spec/template/spec/containers/0/readinessProbe/${handler}/port`;
      cluster.kubectl([
        '-n',
        ns,
        'patch',
        'deployment',
        t,
        '--type=json',
        '-p',
        JSON.stringify([{ op: 'replace', path, value: 9999 }]),
      ]);
      return { kind: 'Deployment', name: t };
    },
    visible: (cluster, ns, t) => anyContainer(cluster, ns, t, (c) => !!c.state?.running && c.ready === false),
  },
  {
    name: 'network-policy',
    describe: (t) => `kubectl apply a NetworkPolicy that denies all ingress to ${t}`,
    inject: (cluster, ns, t) => {
      const policy = {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: `${t}-lockdown`, namespace: ns },
        spec: { podSelector: { matchLabels: { app: t } }, policyTypes: ['Ingress'] },
      };
      cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(policy) });
      return { kind: 'NetworkPolicy', name: `${t}-lockdown` };
    },
    visible: (cluster, ns, t) =>
      cluster.kubectl(['-n', ns, 'get', 'networkpolicy', `${t}-lockdown`], { allowFail: true }).code === 0,
    alerts: frontendErrors,
  },
  {
    name: 'scale-to-zero',
    describe: (t) => `kubectl scale deployment/${t} --replicas=0`,
    inject: (cluster, ns, t) => {
      cluster.kubectl(['-n', ns, 'scale', `deployment/${t}`, '--replicas=0']);
      return { kind: 'Deployment', name: t };
    },
    visible: (cluster, ns, t) => pods(cluster, ns, t).length === 0,
    alerts: frontendErrors,
  },
];

export function faultNamed(name: string): Fault {
  const f = FAULTS.find((x) => x.name === name);
  if (!f) throw new Error(`no fault '${name}' (known: ${FAULTS.map((x) => x.name).join(', ')})`);
  return f;
}
