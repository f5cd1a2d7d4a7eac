import type { WatchedResource } from '#contracts';

/**
 * Which resources and namespaces the watcher follows. Kinds are written `Kind` (any group) or `group/Kind`
 * (`core/Event` for the core group). An include list, when not empty, is a whitelist; excludes win over includes.
 */
export interface ResourceFilterOptions {
  includeGroups: readonly string[];
  excludeGroups: readonly string[];
  includeKinds: readonly string[];
  excludeKinds: readonly string[];
  includeNamespaces: readonly string[];
  excludeNamespaces: readonly string[];
}

/**
 * Heartbeat churn that says nothing about changes: node and leader-election Leases renew every few seconds, and
 * events.k8s.io Events are the same objects as the core Events, which are kept.
 */
export const DEFAULT_EXCLUDED_GROUPS = ['coordination.k8s.io', 'events.k8s.io'] as const;

const groupName = (g: string) => g || 'core';

export class ResourceFilter {
  constructor(private readonly o: ResourceFilterOptions) {}

  acceptsResource(r: Pick<WatchedResource, 'group' | 'kind'>): boolean {
    const group = groupName(r.group);
    const kindMatches = (patterns: readonly string[]) =>
      patterns.some(
        (p) => p === r.kind || p === `${group}/${r.kind}` || (r.group === '' && p === `/${r.kind}`),
      );
    if (this.o.excludeGroups.includes(group) || (r.group === '' && this.o.excludeGroups.includes('')))
      return false;
    if (kindMatches(this.o.excludeKinds)) return false;
    if (this.o.includeGroups.length && !this.o.includeGroups.includes(group)) return false;
    if (this.o.includeKinds.length && !kindMatches(this.o.includeKinds)) return false;
    return true;
  }

  /** Cluster-scoped objects (null namespace) always pass: a namespace filter cannot speak about them. */
  acceptsNamespace(namespace: string | null | undefined): boolean {
    if (!namespace) return true;
    if (this.o.excludeNamespaces.includes(namespace)) return false;
    return this.o.includeNamespaces.length === 0 || this.o.includeNamespaces.includes(namespace);
  }
}
