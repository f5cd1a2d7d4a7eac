import type { WatchedResource } from '#contracts';

/** Cluster-wide collection path of a resource (all namespaces): `/api/v1/pods`, `/apis/apps/v1/deployments`. */
export function collectionPath(r: Pick<WatchedResource, 'group' | 'version' | 'resource'>): string {
  return r.group ? `/apis/${r.group}/${r.version}/${r.resource}` : `/api/${r.version}/${r.resource}`;
}

export function apiVersionOf(r: Pick<WatchedResource, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}
