import { describe, expect, it } from 'vitest';
import type { KubeObject } from '#contracts';
import type { KubeApiClient } from '#kube';
import {
  filterExcluding,
  recordingSink,
  stateWith,
  summary,
} from '../../../../test/support/reflector-fixtures.js';
import { SnapshotLister } from './snapshot-lister.js';

const cm = (name: string, rv: string): KubeObject => ({
  metadata: { name, namespace: 'shop', resourceVersion: rv, uid: `u-${name}` },
});

/** An API server whose list of config maps is `objects`, served two per page. */
function fakeApi(list: { objects: KubeObject[]; rv: string }): KubeApiClient {
  return {
    getJson: async (_path: string, query: { continue?: string }) => {
      const from = Number(query.continue ?? 0);
      const next = from + 2 < list.objects.length ? String(from + 2) : undefined;
      return {
        metadata: { resourceVersion: list.rv, continue: next },
        items: list.objects.slice(from, from + 2),
      };
    },
  } as unknown as KubeApiClient;
}

describe('SnapshotLister', () => {
  it('publishes the first list, page by page, as one snapshot of SYNCs', async () => {
    const sink = recordingSink();
    const state = stateWith(sink);
    const lister = new SnapshotLister(
      state,
      fakeApi({ objects: [cm('a', '1'), cm('b', '2'), cm('c', '3')], rv: '10' }),
      filterExcluding(),
      2,
      new AbortController().signal,
    );
    expect(lister.listed).toBe(false);
    await lister.list();
    expect(summary(sink.items)).toEqual([
      'SNAPSHOT_START',
      'SYNC a@1',
      'SYNC b@2',
      'SYNC c@3',
      'SNAPSHOT_END',
    ]);
    expect(sink.items.at(-1)).toMatchObject({ kind: 'marker', objectCount: 3 });
    expect(sink.items[1]).toMatchObject({ object: { apiVersion: 'v1', kind: 'ConfigMap' } });
    expect(lister.listed).toBe(true);
    expect(state.resourceVersion).toBe('10');
    expect(state.index.size).toBe(3);
  });

  it('reconciles a relist: ADDED and MODIFIED before their SYNC, DELETED by identity before the END', async () => {
    const sink = recordingSink();
    const state = stateWith(sink);
    const served = { objects: [cm('a', '1'), cm('b', '2'), cm('c', '3')], rv: '10' };
    const lister = new SnapshotLister(
      state,
      fakeApi(served),
      filterExcluding(),
      2,
      new AbortController().signal,
    );
    await lister.list();
    sink.items.length = 0;
    served.objects = [cm('a', '1'), cm('c', '7'), cm('d', '8')];
    served.rv = '20';
    await lister.list();
    expect(summary(sink.items)).toEqual([
      'SNAPSHOT_START',
      'SYNC a@1',
      'MODIFIED c@7',
      'SYNC c@7',
      'ADDED d@8',
      'SYNC d@8',
      'DELETED b@2',
      'SNAPSHOT_END',
    ]);
    expect(sink.items.at(-2)).toMatchObject({
      object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b', namespace: 'shop', uid: 'u-b' } },
    });
    expect(state.resourceVersion).toBe('20');
    expect(state.index.size).toBe(3);
  });
});
