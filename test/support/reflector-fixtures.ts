import type { WatchedResource } from '#contracts';
import { type ObservedItem, type ReflectorSink, ReflectorState, ResourceFilter } from '#watcher/testing';

export const configMaps: WatchedResource = {
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespaced: true,
};

/** A sink that is never full and keeps what it was given. */
export function recordingSink(): ReflectorSink & { items: ObservedItem[] } {
  const items: ObservedItem[] = [];
  return {
    items,
    full: false,
    push: (item) => items.push(item) > 0,
    whenWritable: async () => {},
  };
}

export function filterExcluding(...excludeNamespaces: string[]): ResourceFilter {
  return new ResourceFilter({
    includeGroups: [],
    excludeGroups: [],
    includeKinds: [],
    excludeKinds: [],
    includeNamespaces: [],
    excludeNamespaces,
  });
}

export function stateWith(sink: ReflectorSink): ReflectorState {
  return new ReflectorState('core/v1/configmaps', configMaps, sink);
}

/** `TYPE name@rv` per object item, `TYPE` per marker. */
export const summary = (items: readonly ObservedItem[]): string[] =>
  items.map((i) =>
    i.kind === 'marker'
      ? i.type
      : `${i.type} ${i.object.metadata?.name}@${i.object.metadata?.resourceVersion}`,
  );
