/**
 * The application a drill runs: Online Boutique's manifests (../shared/scenarios/topologies/online-boutique.json,
 * a JSON list of objects, or IA_DRILL_TOPOLOGY) in a namespace of its own, plus two ConfigMaps consumed through
 * envFrom (loadgenerator's settings and currencyservice's), so that routine ConfigMap edits have consumers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../lib/broker.js';
import type { LiveCluster } from './live-cluster.js';

type Manifest = Record<string, unknown> & {
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
};
interface Container {
  name: string;
  image: string;
  envFrom?: unknown[];
}

/** The drill's ConfigMaps, by the Deployment that consumes each. */
export const APP_CONFIGMAPS: Readonly<Record<string, { name: string; data: Record<string, string> }>> = {
  loadgenerator: { name: 'loadgenerator-settings', data: { USERS: '10', RATE: '1' } },
  currencyservice: { name: 'currency-settings', data: { CACHE_TTL_SECONDS: '60', RATES_SOURCE: 'ecb' } },
};

export function topologyPath(): string {
  return (
    process.env.IA_DRILL_TOPOLOGY ??
    join(repoRoot(), '..', 'shared/scenarios/topologies/online-boutique.json')
  );
}

export function loadApplication(): Manifest[] {
  const manifests = JSON.parse(readFileSync(topologyPath(), 'utf8')) as Manifest[];
  const out: Manifest[] = manifests.map((m) => structuredClone(m));
  for (const [deployment, cm] of Object.entries(APP_CONFIGMAPS)) {
    const d = out.find((m) => m.kind === 'Deployment' && m.metadata.name === deployment);
    if (!d) continue;
    const container = containersOf(d)[0];
    container.envFrom = [...(container.envFrom ?? []), { configMapRef: { name: cm.name } }];
    out.push({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: cm.name }, data: cm.data });
  }
  return out;
}

export function containersOf(m: Record<string, unknown>): Container[] {
  const spec = m.spec as { template: { spec: { containers: Container[] } } };
  return spec.template.spec.containers;
}

export function deploymentsOf(app: Manifest[]): Manifest[] {
  return app.filter((m) => m.kind === 'Deployment');
}

/** Kinds in the order a deploy tool applies them (Helm's): what a Deployment's pods need exists before them. */
const KIND_ORDER = ['Namespace', 'ServiceAccount', 'Secret', 'ConfigMap', 'Service', 'Deployment'];
const kindRank = (kind: string) => (KIND_ORDER.includes(kind) ? KIND_ORDER.indexOf(kind) : KIND_ORDER.length);

/** Creates the namespace and applies the application into it (client-side apply, as a person would). */
export function deployApplication(cluster: LiveCluster, namespace: string, app: Manifest[]): void {
  cluster.kubectl(['create', 'namespace', namespace]);
  const items = [...app]
    .sort((a, b) => kindRank(a.kind) - kindRank(b.kind))
    .map((m) => ({ ...m, metadata: { ...m.metadata, namespace } }));
  cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
}

/** Waits until every Deployment of the namespace has all its replicas available (KWOK made the pods Ready). */
export async function waitSettled(cluster: LiveCluster, namespace: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = cluster.getJson<{
      items: Array<{
        metadata: { name: string; generation: number };
        spec: { replicas: number };
        status?: Record<string, number>;
      }>;
    }>(['-n', namespace, 'get', 'deployments']);
    const pending = list.items.filter(
      (d) =>
        (d.status?.observedGeneration ?? 0) < d.metadata.generation ||
        (d.status?.availableReplicas ?? 0) !== d.spec.replicas ||
        (d.status?.updatedReplicas ?? 0) !== d.spec.replicas ||
        (d.status?.replicas ?? 0) !== d.spec.replicas,
    );
    if (list.items.length > 0 && pending.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `${namespace} not settled after ${timeoutMs} ms: ${pending.map((d) => d.metadata.name).join(', ')}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}
