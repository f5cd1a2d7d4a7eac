import type { WatchedResource } from '#contracts';
import type { KubeApiClient } from '#kube';
import { componentLogger } from '#observability';
import type { ResourceFilter } from './resource-filter.js';

const log = componentLogger('watcher-discovery');

interface ApiResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}
interface ApiResourceList {
  groupVersion: string;
  resources: ApiResource[];
}
interface ApiGroupList {
  groups: Array<{
    name: string;
    preferredVersion?: { groupVersion: string; version: string };
    versions: Array<{ version: string }>;
  }>;
}

export interface DiscoveryResult {
  resources: WatchedResource[];
  /**
   * Groups whose discovery failed (an aggregated API that is down answers 503). Their resources are unknown,
   * not gone: the caller keeps watching what it already watched there.
   */
  failedGroups: string[];
}

export function resourceId(r: Pick<WatchedResource, 'group' | 'version' | 'resource'>): string {
  return `${r.group || 'core'}/${r.version}/${r.resource}`;
}

/**
 * Finds every served resource that can be listed and watched: the core group and each API group (CRDs
 * included) at its preferred version, without subresources (`pods/log`, `deployments/scale`).
 */
export class ApiDiscovery {
  constructor(
    private readonly api: KubeApiClient,
    private readonly filter: ResourceFilter,
  ) {}

  async discover(signal?: AbortSignal): Promise<DiscoveryResult> {
    const resources: WatchedResource[] = [];
    const failedGroups: string[] = [];
    const core = await this.api.getJson<{ versions: string[] }>('/api', {}, signal);
    const coreVersion = core.versions.includes('v1') ? 'v1' : core.versions[0];
    if (coreVersion)
      resources.push(
        ...this.watchable('', coreVersion, await this.api.getJson('/api/' + coreVersion, {}, signal)),
      );

    const groups = await this.api.getJson<ApiGroupList>('/apis', {}, signal);
    const lists = await Promise.all(
      groups.groups.map(async (g) => {
        const version = g.preferredVersion?.version ?? g.versions[0]?.version;
        if (!version) return [];
        try {
          const list = await this.api.getJson<ApiResourceList>(`/apis/${g.name}/${version}`, {}, signal);
          return this.watchable(g.name, version, list);
        } catch (err) {
          failedGroups.push(g.name);
          log.warn(
            { group: g.name, version, err: String(err) },
            'discovery of an API group failed; keeping what was known',
          );
          return [];
        }
      }),
    );
    resources.push(...lists.flat());
    return { resources, failedGroups };
  }

  private watchable(group: string, version: string, list: ApiResourceList): WatchedResource[] {
    return (list.resources ?? [])
      .filter((r) => !r.name.includes('/'))
      .filter((r) => r.verbs?.includes('list') && r.verbs.includes('watch'))
      .map((r) => ({ group, version, kind: r.kind, resource: r.name, namespaced: r.namespaced }))
      .filter((r) => this.filter.acceptsResource(r));
  }
}
