/** A resource the fake API server serves, as discovery describes it. */
export interface FakeResourceDef {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Default: the verbs of a normal resource (list and watch included). */
  verbs?: string[];
  /** Subresources listed by discovery as `<plural>/<sub>` (the watcher must skip them). */
  subresources?: string[];
  /**
   * Other versions the group also serves; discovery names `version` as the preferred one. Objects are kept
   * once per resource, whatever version a client asks through.
   */
  otherVersions?: string[];
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** What a small real cluster serves, with the traps discovery must avoid (subresources, unwatchable kinds). */
export const DEFAULT_FAKE_RESOURCES: FakeResourceDef[] = [
  {
    group: '',
    version: 'v1',
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    subresources: ['status', 'finalize'],
  },
  {
    group: '',
    version: 'v1',
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    subresources: ['status', 'log', 'exec', 'binding'],
  },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  {
    group: '',
    version: 'v1',
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    subresources: ['status', 'proxy'],
  },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
  { group: '', version: 'v1', kind: 'Binding', plural: 'bindings', namespaced: true, verbs: ['create'] },
  {
    group: '',
    version: 'v1',
    kind: 'ComponentStatus',
    plural: 'componentstatuses',
    namespaced: false,
    verbs: ['get', 'list'],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    subresources: ['status', 'scale'],
  },
  {
    group: 'apps',
    version: 'v1',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    namespaced: true,
    subresources: ['status', 'scale'],
  },
  {
    group: 'autoscaling',
    version: 'v2',
    kind: 'HorizontalPodAutoscaler',
    plural: 'horizontalpodautoscalers',
    namespaced: true,
    subresources: ['status'],
    otherVersions: ['v1'],
  },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  { group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
];

export function resourceKey(group: string, plural: string): string {
  return `${group || 'core'}/${plural}`;
}

export function apiResourceList(groupVersion: string, defs: readonly FakeResourceDef[]) {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion,
    resources: defs.flatMap((d) => [
      {
        name: d.plural,
        singularName: d.kind.toLowerCase(),
        namespaced: d.namespaced,
        kind: d.kind,
        verbs: d.verbs ?? VERBS,
      },
      ...(d.subresources ?? []).map((s) => ({
        name: `${d.plural}/${s}`,
        singularName: '',
        namespaced: d.namespaced,
        kind: s === 'scale' ? 'Scale' : d.kind,
        verbs: ['get', 'patch', 'update'],
      })),
    ]),
  };
}

export function apiGroupList(defs: readonly FakeResourceDef[]) {
  const groups = new Map<string, Set<string>>();
  const preferred = new Map<string, string>();
  for (const d of defs) {
    if (!d.group) continue;
    const versions = groups.get(d.group) ?? new Set<string>();
    versions.add(d.version);
    for (const v of d.otherVersions ?? []) versions.add(v);
    groups.set(d.group, versions);
    preferred.set(d.group, d.version);
  }
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [...groups].map(([name, versions]) => ({
      name,
      versions: [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version })),
      preferredVersion: { groupVersion: `${name}/${preferred.get(name)}`, version: preferred.get(name) },
    })),
  };
}
