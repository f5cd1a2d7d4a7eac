import { describe, expect, it } from 'vitest';
import { ALL_TOPICS, TOPICS, type ObjectRef } from '#contracts';
import { MemoryEventLog } from '#kafka';
import { ChangeloggingStore, type NewState } from './changelogging-store.js';
import { PartitionStore } from './partition-store.js';
import { restoreStores } from './state-restore.js';
import { objectDigest } from './state-text.js';

const ref = (name: string): ObjectRef => ({
  cluster: 'c1',
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  resource: 'configmaps',
  namespace: 'shop',
  name,
});

function newState(name: string, resourceVersion: string, data: string): NewState {
  const objectText = JSON.stringify({ metadata: { name }, data: { v: data } });
  return {
    state: {
      schemaVersion: 1,
      ref: ref(name),
      resourceVersion,
      observedAt: `2025-01-01T00:00:0${resourceVersion}Z`,
      snapshotId: 's1',
    },
    objectText,
    objectDigest: objectDigest(objectText),
    statusText: '',
  };
}

async function storeOn(partition: number) {
  const log = new MemoryEventLog();
  await log.ensureTopics(ALL_TOPICS);
  const inner = new PartitionStore();
  const store = new ChangeloggingStore(inner, partition, log, {
    source: 'differ-test',
    maxMessageBytes: 1_000_000,
  });
  return { log, inner, store };
}

describe('ChangeloggingStore', () => {
  it('buffers the changelog record of every put and delete, published at flush on its own partition', async () => {
    const { log, inner, store } = await storeOn(5);
    store.put('k/a', 10, newState('a', '1', 'x'));
    store.put('k/b', 11, newState('b', '2', 'y'));
    store.delete('k/b', 12, '2025-01-01T00:00:03Z');
    // The store is written at once; the changelog waits for the flush.
    expect(inner.get('k/a')?.sourceOffset).toBe(10);
    expect(inner.get('k/b')).toBeUndefined();
    expect(log.records(TOPICS.objects.name)).toEqual([]);

    await store.flush();
    const records = log.records(TOPICS.objects.name);
    expect(records.map((r) => [r.partition, r.key, r.value === null])).toEqual([
      [5, 'k/a', false],
      [5, 'k/b', true],
    ]);
    expect(records[0].headers).toMatchObject({
      ce_type: 'io.incident-assistant.object-state.v1',
      ce_source: 'differ-test',
      ia_source_offset: '10',
      ia_snapshot_id: 's1',
    });
    expect(records[1].headers).toEqual({ ia_source_offset: '12', ia_observed_at: '2025-01-01T00:00:03Z' });

    await store.flush();
    expect(log.records(TOPICS.objects.name)).toHaveLength(2);
  });

  it("keeps one record per key, the batch's last, where the key was first written", async () => {
    const { log, store } = await storeOn(0);
    store.put('k/a', 1, newState('a', '1', 'x'));
    store.put('k/b', 2, newState('b', '2', 'y'));
    store.put('k/a', 3, newState('a', '3', 'z'));
    await store.flush();
    const records = log.records(TOPICS.objects.name);
    expect(records.map((r) => [r.key, r.headers.ia_source_offset])).toEqual([
      ['k/a', '3'],
      ['k/b', '2'],
    ]);
  });

  it('writes what a restore reads back into the same store', async () => {
    const { log, inner, store } = await storeOn(2);
    store.put('k/a', 7, newState('a', '1', 'x'));
    store.put('k/b', 8, newState('b', '2', 'y'));
    store.delete('k/b', 9, '2025-01-01T00:00:04Z');
    await store.flush();
    const { stores } = await restoreStores(log, [2], async () => {});
    const restored = stores.get(2)!;
    expect([...restored.entries.keys()]).toEqual(['k/a']);
    expect(restored.get('k/a')).toEqual(inner.get('k/a'));
    expect(restored.knownBefore('2025-01-01T00:00:09Z')).toBe(inner.knownBefore('2025-01-01T00:00:09Z'));
  });
});
