/**
 * Routine changes an operator or a pipeline makes on a healthy application: rollouts, ConfigMap edits, scaling,
 * a log level, an annotation, a healthy image bump. A drill makes a few of them, chosen by its seed, before the
 * faulty change; none of them breaks anything (KWOK's fault rules do not match them).
 */
import { APP_CONFIGMAPS } from './application.js';
import type { CauseRef } from './faults.js';
import type { LiveCluster } from './live-cluster.js';

export interface RoutineChange {
  name: string;
  /** Makes the change; returns the object it changed. */
  run(cluster: LiveCluster, namespace: string, deployment: string): CauseRef;
}

let edits = 0;

export const ROUTINE_CHANGES: readonly RoutineChange[] = [
  {
    name: 'rollout-restart',
    run: (c, ns, d) => {
      c.kubectl(['-n', ns, 'rollout', 'restart', `deployment/${d}`]);
      return { kind: 'Deployment', name: d };
    },
  },
  {
    name: 'configmap-edit',
    // `deployment` names the consumer: loadgenerator or currencyservice.
    run: (c, ns, d) => {
      const cm = APP_CONFIGMAPS[d] ?? Object.values(APP_CONFIGMAPS)[0];
      const key = Object.keys(cm.data)[0];
      const value = String(Number(cm.data[key]) + 5 * ++edits);
      c.kubectl([
        '-n',
        ns,
        'patch',
        'configmap',
        cm.name,
        '--type=merge',
        '-p',
        JSON.stringify({ data: { [key]: value } }),
      ]);
      return { kind: 'ConfigMap', name: cm.name };
    },
  },
  {
    name: 'scale-up',
    run: (c, ns, d) => {
      c.kubectl(['-n', ns, 'scale', `deployment/${d}`, '--replicas=2']);
      return { kind: 'Deployment', name: d };
    },
  },
  {
    name: 'log-level',
    run: (c, ns, d) => {
      c.kubectl(['-n', ns, 'set', 'env', `deployment/${d}`, 'LOG_LEVEL=debug']);
      return { kind: 'Deployment', name: d };
    },
  },
  {
    name: 'annotate',
    run: (c, ns, d) => {
      c.kubectl([
        '-n',
        ns,
        'annotate',
        '--overwrite',
        `deployment/${d}`,
        `ops.example.com/owner=team-${d.length}`,
      ]);
      return { kind: 'Deployment', name: d };
    },
  },
  {
    name: 'image-bump',
    run: (c, ns, d) => {
      const dep = c.getJson<{
        spec: { template: { spec: { containers: Array<{ name: string; image: string }> } } };
      }>(['-n', ns, 'get', 'deployment', d]);
      const { name, image } = dep.spec.template.spec.containers[0];
      c.kubectl([
        '-n',
        ns,
        'set',
        'image',
        `deployment/${d}`,
        `${name}=${image.replace(/:[^:/]+$/, '')}:v0.10.7`,
      ]);
      return { kind: 'Deployment', name: d };
    },
  },
];

export function routineChangeNamed(name: string): RoutineChange {
  const r = ROUTINE_CHANGES.find((x) => x.name === name);
  if (!r) throw new Error(`no routine change '${name}'`);
  return r;
}
