import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_TOPICS,
  CE_TYPES,
  decodeMessage,
  objectKey,
  RawLifecycleEventSchema,
  snapshotMarkerKey,
  TOPICS,
  type RawLifecycleEvent,
} from '#contracts';
import { KafkaConnectionSchema, KafkaEventLog, partitionForKey, type ConsumedRecord } from '#kafka';
import { SecretRedactor } from '#kube';
import { WatcherAgent } from '#watcher';
import { FakeKubeApiServer } from './support/fake-kube-apiserver.js';
import { kafkaBrokers, uniqueTopicPrefix } from './support/kafka.js';

/**
 * The watcher end to end: fake API server -> WatcherAgent -> real Kafka broker (KafkaEventLog), checking what a
 * consumer of ia.raw-events.v1 gets: keys, partitions, CloudEvents headers, snapshot markers, order per object.
 * The cluster side goes through the small `cluster` helper below so that the same checks can later run against
 * scripts/kube-apiserver (a kubeconfig and the API instead of the fake's methods).
 */
describe('watcher through Kafka', () => {
  let server: FakeKubeApiServer;
  let log: KafkaEventLog;
  let agent: WatcherAgent;
  const cluster = {
    create: (name: string, v: string) =>
      server.create('', 'configmaps', { metadata: { name, namespace: 'shop' }, data: { v } }).metadata
        .resourceVersion!,
    update: (name: string, v: string) =>
      server.update('', 'configmaps', name, 'shop', (o) => void (o.data = { v })).metadata.resourceVersion!,
    remove: (name: string) => server.delete('', 'configmaps', name, 'shop').metadata.resourceVersion!,
  };

  beforeAll(async () => {
    server = await FakeKubeApiServer.start({ bookmarkIntervalMs: 500 });
    log = new KafkaEventLog(
      KafkaConnectionSchema.parse({
        brokers: kafkaBrokers(),
        namespacePrefix: uniqueTopicPrefix('watcher') + '.',
      }),
    );
    await log.ensureTopics(ALL_TOPICS);
  });
  afterAll(async () => {
    await agent?.stop();
    await log?.close();
    await server?.close();
  });

  it('publishes keyed, ordered raw events with CloudEvents headers and snapshot markers on every partition', async () => {
    const expected = new Map<string, string[]>();
    const note = (name: string, entry: string) => expected.set(name, [...(expected.get(name) ?? []), entry]);
    for (let i = 0; i < 30; i++) note(`cm-${i}`, `SYNC@${cluster.create(`cm-${i}`, '0')}`);

    agent = new WatcherAgent({
      cluster: 'e2e',
      kubeConfig: server.kubeConfig(),
      log,
      redactor: new SecretRedactor({ hmacKey: 'e2e-key-0123456789' }),
      filter: { includeKinds: ['ConfigMap'] },
      backoff: { initialMs: 50, maxMs: 500 },
    });
    await agent.start();
    const deadline = Date.now() + 30_000;
    while (!agent.readiness().ready && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(agent.readiness().ready).toBe(true);

    for (let round = 1; round <= 3; round++) {
      for (let i = 0; i < 30; i++) note(`cm-${i}`, `MODIFIED@${cluster.update(`cm-${i}`, String(round))}`);
    }
    for (let i = 0; i < 5; i++) note(`cm-${i}`, `DELETED@${cluster.remove(`cm-${i}`)}`);
    const total = [...expected.values()].reduce((n, e) => n + e.length, 0);

    const partitions = TOPICS.rawEvents.partitions;
    let records: ConsumedRecord[] = [];
    for (let attempt = 0; attempt < 30; attempt++) {
      records = [];
      try {
        for await (const r of log.readToEnd(TOPICS.rawEvents.name)) records.push(r);
      } catch {
        // fresh topics: partition leaders may still be moving; read again
      }
      if (records.length >= total + 2 * partitions) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    expect(records).toHaveLength(total + 2 * partitions);

    const decoded = records.map((r) => ({
      r,
      e: decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, r.value),
    }));
    const resource = {
      group: '',
      version: 'v1',
      kind: 'ConfigMap',
      resource: 'configmaps',
      namespaced: true,
    };
    const actual = new Map<string, string[]>();
    for (let p = 0; p < partitions; p++) {
      const inPartition = decoded
        .filter((d) => d.r.partition === p)
        .sort((a, b) => Number(a.r.offset) - Number(b.r.offset));
      expect(inPartition[0].e.type).toBe('SNAPSHOT_START');
      expect(inPartition[0].r.key).toBe(snapshotMarkerKey('e2e', resource));
      const end = inPartition.findIndex((d) => d.e.type === 'SNAPSHOT_END');
      // Every SYNC of the partition sits between its markers; every later event after the END.
      expect(inPartition.slice(1, end).every((d) => d.e.type === 'SYNC')).toBe(true);
      expect(inPartition.slice(end + 1).every((d) => d.e.type !== 'SYNC')).toBe(true);
      for (const { r, e } of inPartition) {
        expect(r.headers).toMatchObject({
          ce_type: CE_TYPES.rawEvent,
          ce_id: e.eventId,
          ce_source: 'watcher/e2e',
          ce_specversion: '1.0',
        });
        if (!isObjectEvent(e)) continue;
        expect(r.key).toBe(objectKey(e.ref));
        expect(r.partition).toBe(partitionForKey(TOPICS.rawEvents.name, r.key!, partitions));
        actual.set(e.ref.name, [...(actual.get(e.ref.name) ?? []), `${e.type}@${e.resourceVersion}`]);
      }
    }
    expect(Object.fromEntries(actual)).toEqual(Object.fromEntries(expected));
  });
});

function isObjectEvent(e: RawLifecycleEvent): e is Extract<RawLifecycleEvent, { ref: unknown }> {
  return 'ref' in e;
}
