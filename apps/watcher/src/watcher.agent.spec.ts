import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ALL_TOPICS,
  DLQ_HEADERS,
  RawLifecycleEventSchema,
  TOPICS,
  decodeMessage,
  type RawLifecycleEvent,
} from '#contracts';
import { MemoryEventLog, partitionForKey, type EventLog, type LogRecord } from '#kafka';
import { SecretRedactor } from '#kube';
import { DEFAULT_CONFIGMAP_REDACT_KEYS } from './config/watcher.config.js';
import { FakeKubeApiServer } from '../../../test/support/fake-kube-apiserver.js';
import { WatcherAgent, type WatcherAgentOptions } from './watcher.agent.js';

const plaintext = 'hunter2-correct-horse-battery';
const secretB64 = Buffer.from(plaintext).toString('base64');

interface Seen {
  type: RawLifecycleEvent['type'];
  name?: string;
  rv?: string;
  resource: string;
  partition: number;
  snapshotId?: string;
}

/** The in-process log, plus the order in which records were published across partitions (consumers only see order per partition). */
class RecordingLog extends MemoryEventLog {
  readonly sequence: Array<{ topic: string; partition: number; value: string }> = [];
  override async publish(topic: string, records: readonly LogRecord[]): Promise<void> {
    const n = await this.partitionCount(topic);
    for (const r of records) {
      const partition = r.partition ?? (r.key === null ? 0 : partitionForKey(topic, r.key, n));
      this.sequence.push({ topic, partition, value: String(r.value) });
    }
    return super.publish(topic, records);
  }
}

function seen(log: RecordingLog): Seen[] {
  return log.sequence
    .filter((r) => r.topic === TOPICS.rawEvents.name)
    .map((r) => {
      const e = decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, r.value);
      return 'ref' in e
        ? {
            type: e.type,
            name: e.ref.name,
            rv: e.resourceVersion,
            resource: e.ref.resource,
            partition: r.partition,
            snapshotId: e.snapshotId,
          }
        : { type: e.type, resource: e.resource.resource, partition: r.partition, snapshotId: e.snapshotId };
    });
}

/** Object events of one resource in log order (markers are per partition; object events are what consumers act on). */
const objectEvents = (log: RecordingLog, resource: string, since = 0) =>
  seen(log)
    .filter((e) => e.resource === resource && e.name !== undefined)
    .slice(since)
    .map((e) => `${e.type} ${e.name}@${e.rv}`);

async function waitFor(
  cond: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const cm = (name: string, data: Record<string, string> = { k: 'v' }) => ({
  metadata: { name, namespace: 'shop' },
  data,
});

describe('WatcherAgent against a fake API server', { timeout: 30_000 }, () => {
  let server: FakeKubeApiServer;
  let log: RecordingLog;
  const agents: WatcherAgent[] = [];

  beforeEach(async () => {
    server = await FakeKubeApiServer.start({ bookmarkIntervalMs: 100 });
    log = new RecordingLog();
    await log.ensureTopics(ALL_TOPICS);
  });
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
    await server.close();
  });

  async function startAgent(
    overrides: Partial<WatcherAgentOptions> = {},
    eventLog: EventLog = log,
  ): Promise<WatcherAgent> {
    const agent = new WatcherAgent({
      cluster: 'c1',
      kubeConfig: server.kubeConfig(),
      log: eventLog,
      redactor: new SecretRedactor({
        hmacKey: 'test-key-0123456789',
        configMapKeyPatterns: [new RegExp(DEFAULT_CONFIGMAP_REDACT_KEYS, 'i')],
      }),
      backoff: { initialMs: 20, maxMs: 200 },
      rediscoveryMs: 60_000,
      ...overrides,
    });
    agents.push(agent);
    await agent.start();
    await waitFor(() => agent.readiness().ready, 'first lists');
    return agent;
  }

  /** Waits until the log holds `n` object events of a resource and nothing more arrives for a moment. */
  async function settle(resource: string, n: number): Promise<string[]> {
    await waitFor(() => objectEvents(log, resource).length >= n, `${n} ${resource} events`);
    await new Promise((r) => setTimeout(r, 300));
    return objectEvents(log, resource);
  }

  it('discovers watchable resources at their preferred version, skipping subresources, Leases and events.k8s.io', async () => {
    const agent = await startAgent();
    expect(agent.watchedResources()).toEqual([
      'apps/v1/deployments',
      'apps/v1/replicasets',
      'autoscaling/v2/horizontalpodautoscalers',
      'core/v1/configmaps',
      'core/v1/events',
      'core/v1/namespaces',
      'core/v1/pods',
      'core/v1/secrets',
      'core/v1/services',
    ]);
  });

  it('publishes the first list as a snapshot: SYNC per object between markers on every partition, no ADDED', async () => {
    server.create('', 'configmaps', cm('a'));
    server.create('', 'configmaps', cm('b'));
    await startAgent();
    const events = seen(log).filter((e) => e.resource === 'configmaps');
    expect(
      events
        .filter((e) => e.type === 'SYNC')
        .map((e) => e.name)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(events.some((e) => e.type === 'ADDED' || e.type === 'MODIFIED')).toBe(false);
    for (let p = 0; p < TOPICS.rawEvents.partitions; p++) {
      const types = events.filter((e) => e.partition === p).map((e) => e.type);
      expect(types[0]).toBe('SNAPSHOT_START');
      expect(types.at(-1)).toBe('SNAPSHOT_END');
    }
    const end = log
      .records(TOPICS.rawEvents.name)
      .map((r) => decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, r.value))
      .find((e) => e.type === 'SNAPSHOT_END' && e.resource.resource === 'configmaps');
    expect(end).toMatchObject({ objectCount: 2 });
  });

  it('resumes a dropped watch from its resourceVersion: no loss, no duplicates, no relist', async () => {
    server.create('', 'configmaps', cm('a'));
    server.create('', 'configmaps', cm('b'));
    await startAgent();
    const a1 = server.update('', 'configmaps', 'a', 'shop', (o) => void (o.data = { k: 'v2' }));
    await settle('configmaps', 3);
    const lists = () =>
      server.requests.filter((r) => r.path === '/api/v1/configmaps' && !r.query.watch).length;
    expect(lists()).toBe(1);

    server.dropWatches();
    const c = server.create('', 'configmaps', cm('c'));
    const a2 = server.update('', 'configmaps', 'a', 'shop', (o) => void (o.data = { k: 'v3' }));
    const b = server.delete('', 'configmaps', 'b', 'shop');
    const events = await settle('configmaps', 6);
    expect(events.slice(2)).toEqual([
      `MODIFIED a@${a1.metadata.resourceVersion}`,
      `ADDED c@${c.metadata.resourceVersion}`,
      `MODIFIED a@${a2.metadata.resourceVersion}`,
      `DELETED b@${b.metadata.resourceVersion}`,
    ]);
    expect(lists()).toBe(1);
    const resumed = server.requests.filter((r) => r.path === '/api/v1/configmaps' && r.query.watch).at(-1);
    expect(resumed?.query).toMatchObject({ allowWatchBookmarks: 'true' });
    expect(Number(resumed?.query.resourceVersion)).toBeGreaterThanOrEqual(
      Number(a1.metadata.resourceVersion),
    );
  });

  for (const goneAs of ['event', 'http'] as const) {
    it(`after 410 Gone (${goneAs}) relists and emits exactly the changes made during the outage`, async () => {
      await server.close();
      server = await FakeKubeApiServer.start({ bookmarkIntervalMs: 100, goneAs });
      for (const n of ['keep', 'change', 'remove']) server.create('', 'configmaps', cm(n));
      await startAgent();
      const before = seen(log).length;

      // Everything below runs before the agent can reconnect (its backoff is asynchronous).
      server.dropWatches();
      const changed = server.update('', 'configmaps', 'change', 'shop', (o) => void (o.data = { k: 'new' }));
      const removed = server.list('', 'configmaps').find((o) => o.metadata.name === 'remove')!;
      server.delete('', 'configmaps', 'remove', 'shop');
      const added = server.create('', 'configmaps', cm('added'));
      server.compact();

      await waitFor(
        () =>
          seen(log)
            .slice(before)
            .some((e) => e.type === 'SNAPSHOT_END' && e.resource === 'configmaps'),
        'relist snapshot',
      );
      await new Promise((r) => setTimeout(r, 300));
      const after = seen(log)
        .slice(before)
        .filter((e) => e.resource === 'configmaps');
      const changes = after
        .filter((e) => e.type !== 'SYNC' && e.name)
        .map((e) => `${e.type} ${e.name}@${e.rv}`);
      expect(changes.sort()).toEqual(
        [
          `ADDED added@${added.metadata.resourceVersion}`,
          `DELETED remove@${removed.metadata.resourceVersion}`,
          `MODIFIED change@${changed.metadata.resourceVersion}`,
        ].sort(),
      );
      expect(
        after
          .filter((e) => e.type === 'SYNC')
          .map((e) => e.name)
          .sort(),
      ).toEqual(['added', 'change', 'keep']);
      // The changes sit inside the relist's snapshot, on each partition between its markers.
      const snapshotId = after.find((e) => e.type === 'SNAPSHOT_START')?.snapshotId;
      for (const e of after.filter((x) => x.name)) {
        const inPartition = after.filter((x) => x.partition === e.partition);
        expect(inPartition[0]).toMatchObject({ type: 'SNAPSHOT_START', snapshotId });
        expect(inPartition.at(-1)).toMatchObject({ type: 'SNAPSHOT_END', snapshotId });
      }
    });
  }

  it('watches a CRD created at run time and stops cleanly when it is removed', async () => {
    const agent = await startAgent();
    server.defineResource({
      group: 'example.com',
      version: 'v1',
      kind: 'Widget',
      plural: 'widgets',
      namespaced: true,
    });
    server.create('example.com', 'widgets', {
      metadata: { name: 'w1', namespace: 'shop' },
      spec: { size: 1 },
    });
    await agent.rediscover();
    expect(agent.watchedResources()).toContain('example.com/v1/widgets');
    await waitFor(() => agent.readiness().ready, 'widget list');
    const w2 = server.create('example.com', 'widgets', {
      metadata: { name: 'w2', namespace: 'shop' },
      spec: { size: 2 },
    });
    const events = await settle('widgets', 2);
    expect(events[0]).toMatch(/^SYNC w1@/);
    expect(events[1]).toBe(`ADDED w2@${w2.metadata.resourceVersion}`);

    server.removeResource('example.com', 'widgets');
    await agent.rediscover();
    expect(agent.watchedResources()).not.toContain('example.com/v1/widgets');
    expect(agent.readiness().ready).toBe(true);
  });

  it('lists 1,200 objects in pages (limit/continue) into one snapshot', async () => {
    for (let i = 0; i < 1_200; i++) server.create('', 'configmaps', cm(`cm-${String(i).padStart(4, '0')}`));
    const agent = await startAgent({ pageSize: 100 });
    const pages = server.requests.filter((r) => r.path === '/api/v1/configmaps' && !r.query.watch);
    expect(pages).toHaveLength(12);
    expect(pages.every((p) => p.query.limit === '100')).toBe(true);
    expect(pages.slice(1).every((p) => p.query.continue)).toBe(true);
    const syncs = seen(log).filter((e) => e.resource === 'configmaps' && e.type === 'SYNC');
    expect(new Set(syncs.map((e) => e.name)).size).toBe(1_200);
    expect(syncs).toHaveLength(1_200);
    expect(agent.trackedObjects()).toBe(1_200);
  });

  it('never lets a Secret value reach any topic', async () => {
    const lastApplied = JSON.stringify({ kind: 'Secret', data: { password: secretB64 } });
    server.create('', 'secrets', {
      metadata: {
        name: 'db',
        namespace: 'shop',
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': lastApplied },
      },
      data: { password: secretB64 },
      stringData: { token: plaintext },
    });
    server.create('', 'configmaps', cm('app', { DB_PASSWORD: plaintext, LOG_LEVEL: 'debug' }));
    await startAgent();
    server.update(
      '',
      'secrets',
      'db',
      'shop',
      (o) => void (o.data = { password: Buffer.from(plaintext + '2').toString('base64') }),
    );
    await settle('secrets', 2);
    let records = 0;
    for (const topic of ALL_TOPICS) {
      for (const r of log.records(topic.name)) {
        records++;
        const text = `${r.key} ${r.value?.toString()} ${JSON.stringify(r.headers)}`;
        expect(text).not.toContain(secretB64);
        expect(text).not.toContain(plaintext);
      }
    }
    expect(records).toBeGreaterThan(0);
    expect(JSON.stringify(objectEvents(log, 'configmaps'))).not.toContain(plaintext);
    const app = log
      .records(TOPICS.rawEvents.name)
      .map((r) => r.value?.toString() ?? '')
      .find((v) => v.includes('"app"'));
    expect(app).toContain('"LOG_LEVEL":"debug"');
  });

  it('a restarted agent sends a snapshot and no ADDED/MODIFIED for unchanged objects', async () => {
    server.create('', 'configmaps', cm('a'));
    server.create('', 'secrets', { metadata: { name: 's', namespace: 'shop' }, data: { x: secretB64 } });
    const first = await startAgent();
    await first.stop();
    const before = seen(log).length;
    await startAgent();
    await new Promise((r) => setTimeout(r, 300));
    const after = seen(log).slice(before);
    expect(
      after
        .filter((e) => e.name)
        .map((e) => `${e.type} ${e.name}`)
        .sort(),
    ).toEqual(['SYNC a', 'SYNC s']);
    expect(after.filter((e) => e.type === 'SNAPSHOT_START').length).toBe(9 * TOPICS.rawEvents.partitions);
  });

  it('dead-letters an oversized object by identity only, without its body, and goes on', async () => {
    await startAgent({ maxMessageBytes: 20_000 });
    server.create('', 'configmaps', cm('huge', { blob: 'x'.repeat(50_000) }));
    const small = server.create('', 'configmaps', cm('small'));
    const events = await settle('configmaps', 1);
    expect(events).toEqual([`ADDED small@${small.metadata.resourceVersion}`]);
    const dlq = log.records(TOPICS.deadLetter.name);
    expect(dlq).toHaveLength(1);
    expect(dlq[0].key).toBe('c1/core/ConfigMap/shop/huge');
    expect(dlq[0].headers[DLQ_HEADERS.reason]).toMatch(/^oversized/);
    expect(dlq[0].value!.length).toBeLessThan(1_000);
    expect(JSON.parse(dlq[0].value!.toString())).toMatchObject({
      name: 'huge',
      namespace: 'shop',
      reason: 'oversized',
    });
  });

  it('pauses watches when the buffer is full and delivers every event in order once the publisher catches up', async () => {
    class SlowLog extends RecordingLog {
      override async publish(topic: string, records: readonly LogRecord[]): Promise<void> {
        await new Promise((r) => setTimeout(r, 5));
        return super.publish(topic, records);
      }
    }
    log = new SlowLog();
    await log.ensureTopics(ALL_TOPICS);
    await startAgent({ bufferCapacity: 20, publishBatch: 10 });
    const created: string[] = [];
    for (let i = 0; i < 400; i++) {
      const o = server.create('', 'configmaps', cm(`n${i}`, { blob: 'y'.repeat(2_000) }));
      created.push(`ADDED n${i}@${o.metadata.resourceVersion}`);
    }
    expect(await settle('configmaps', 400)).toEqual(created);
  });

  it('restarts a watch the server ended (timeoutSeconds) from its resourceVersion, without a relist', async () => {
    server.create('', 'configmaps', cm('a'));
    await startAgent({ watchTimeoutSeconds: { min: 1, max: 1 }, pageSize: 50 });
    await new Promise((r) => setTimeout(r, 1_500));
    const b = server.create('', 'configmaps', cm('b'));
    expect(await settle('configmaps', 2)).toEqual([
      expect.stringMatching(/^SYNC a@/),
      `ADDED b@${b.metadata.resourceVersion}`,
    ]);
    const watches = server.requests.filter((r) => r.path === '/api/v1/configmaps' && r.query.watch);
    expect(watches.length).toBeGreaterThanOrEqual(2);
    expect(server.requests.filter((r) => r.path === '/api/v1/configmaps' && !r.query.watch)).toHaveLength(1);
  });
});
