import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALL_TOPICS,
  ChangeEventSchema,
  decodeMessage,
  DLQ_HEADERS,
  ObjectStateSchema,
  rawObjectEvent,
  snapshotMarker,
  TOPICS,
  type ChangeEvent,
  type KubeObject,
  type WatchedResource,
} from '#contracts';
import { MemoryEventLog, type LogRecord } from '#kafka';
import { RawEventPublisher } from '#watcher';
import { DifferProcessor } from './differ.processor.js';

const RES: Record<string, WatchedResource> = {
  Deployment: { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true },
  ConfigMap: { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true },
};

let rv = 100;
const dep = (name: string, image: string, created = '2025-01-01T00:00:00Z'): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name,
    namespace: 'shop',
    uid: `u-${name}`,
    resourceVersion: String(++rv),
    creationTimestamp: created,
    managedFields: [
      {
        manager: 'kubectl-set',
        operation: 'Update',
        time: created,
        fieldsV1: { 'f:spec': { 'f:template': {} } },
      },
    ],
  },
  spec: { replicas: 1, template: { spec: { containers: [{ name: 'server', image }] } } },
});
const cm = (name: string, data: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: {
    name,
    namespace: 'shop',
    uid: `u-${name}`,
    resourceVersion: String(++rv),
    creationTimestamp: '2025-01-01T00:00:00Z',
  },
  data,
});

class Harness {
  readonly publisher: RawEventPublisher;
  constructor(readonly log: MemoryEventLog) {
    this.publisher = new RawEventPublisher(log, 'test');
  }
  async snapshot(kind: string, objects: KubeObject[], ts: string): Promise<void> {
    const resource = RES[kind];
    const base = { cluster: 'c1', resource, snapshotId: `${kind}@${ts}`, observedAt: ts };
    const records: LogRecord[] = await this.publisher.markerRecords(
      snapshotMarker({ ...base, type: 'SNAPSHOT_START' }),
    );
    for (const object of objects)
      records.push(this.publisher.objectRecord(rawObjectEvent({ ...base, type: 'SYNC', object })));
    records.push(...(await this.publisher.markerRecords(snapshotMarker({ ...base, type: 'SNAPSHOT_END' }))));
    await this.publisher.publish(records);
  }
  async event(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject, ts: string): Promise<void> {
    await this.publisher.publish([
      this.publisher.objectRecord(
        rawObjectEvent({ cluster: 'c1', type, resource: RES[object.kind!], object, observedAt: ts }),
      ),
    ]);
  }
  async run(differ = new DifferProcessor(this.log, { logChanges: false })): Promise<void> {
    await differ.start();
    const t0 = Date.now();
    while (!(await this.log.drained('ia-differ', [TOPICS.rawEvents.name]))) {
      if (Date.now() - t0 > 10_000) throw new Error('differ did not drain');
      await new Promise((r) => setTimeout(r, 10));
    }
    await differ.stop();
  }
  changes(): ChangeEvent[] {
    return this.log
      .records(TOPICS.changes.name)
      .map((r) => decodeMessage('ChangeEvent', ChangeEventSchema, r.value));
  }
}

async function harness(log = new MemoryEventLog()): Promise<Harness> {
  await log.ensureTopics(ALL_TOPICS);
  return new Harness(log);
}

describe('DifferHandler state', () => {
  it('reports what changed while away, once, after a restart that rebuilds state from the changelog', async () => {
    const h = await harness();
    await h.snapshot(
      'Deployment',
      [dep('cart', 'cart:v1'), dep('web', 'web:v1')],
      '2025-06-01T00:00:00.000Z',
    );
    await h.snapshot('ConfigMap', [cm('cfg', { a: '1' }), cm('old', { b: '2' })], '2025-06-01T00:00:00.000Z');
    await h.event('MODIFIED', dep('web', 'web:v2'), '2025-06-01T00:05:00.000Z');
    await h.run();
    expect(h.changes().map((c) => [c.ref.name, c.classes[0], !!c.whileAway])).toEqual([
      ['web', 'image', false],
    ]);

    // A relist after downtime: cart's image moved, `old` vanished, `fresh` was created, web and cfg are as known.
    await h.snapshot(
      'Deployment',
      [dep('cart', 'cart:v9'), dep('web', 'web:v2'), dep('fresh', 'fresh:v1', '2025-06-01T01:00:00Z')],
      '2025-06-01T02:00:00.000Z',
    );
    await h.snapshot('ConfigMap', [cm('cfg', { a: '1' })], '2025-06-01T02:00:00.000Z');
    await h.run(); // a new processor: its state comes from the changelog only
    const away = h.changes().filter((c) => c.whileAway);
    expect(away.map((c) => [c.ref.name, c.operation, c.classes[0]]).sort()).toEqual([
      ['cart', 'update', 'image'],
      ['fresh', 'create', 'creation'],
      ['old', 'delete', 'deletion'],
    ]);
    const states = h.log.records(TOPICS.objects.name).filter((r) => r.key?.endsWith('/old'));
    expect(states.at(-1)?.value).toBeNull();
  });

  it('attributes an update to the managedFields entry it wrote, comparing with the stored version across a restart', async () => {
    // kubectl verbs captured on a live cluster (test/support/capture-managed-fields.sh).
    const live = JSON.parse(
      readFileSync(new URL('../../../test/support/live-managed-fields.json', import.meta.url), 'utf8'),
    ) as { steps: Array<{ verb: string; before: KubeObject; after: KubeObject }> };
    const asObject = (o: KubeObject): KubeObject => ({
      ...o,
      metadata: { ...o.metadata, namespace: 'shop', uid: 'u-live', resourceVersion: String(++rv) },
    });
    const actorOf = async (verb: string) => {
      const step = live.steps.find((s) => s.verb === verb)!;
      const h = await harness();
      await h.snapshot('Deployment', [asObject(step.before)], '2025-06-01T00:00:00.000Z');
      await h.run();
      await h.event('MODIFIED', asObject(step.after), '2025-06-01T00:01:00.000Z');
      await h.run(); // a new processor: the writers of the version before come from the changelog
      return h.changes().at(-1)!.actor;
    };
    expect(await actorOf('kubectl set image')).toMatchObject({ manager: 'kubectl-set', kind: 'human' });
    expect(await actorOf('kubectl scale (after server-side apply)')).toMatchObject({
      manager: 'kubectl',
      operation: 'Update',
    });
    // A removal leaves no trace in managedFields: nobody is named rather than the entry that lost the field.
    expect((await actorOf('kubectl set env (removes LEVEL)')).kind).toBe('unknown');
  });

  it('writes one changelog record per object and batch, the last, and every change event', async () => {
    const h = await harness();
    await h.snapshot('Deployment', [dep('web', 'web:v1')], '2025-06-01T00:00:00.000Z');
    await h.run();
    const webStates = () => h.log.records(TOPICS.objects.name).filter((r) => r.key?.endsWith('/web'));
    const before = webStates().length;
    for (let v = 2; v <= 4; v++)
      await h.event('MODIFIED', dep('web', `web:v${v}`), `2025-06-01T00:0${v}:00.000Z`);
    await h.run();
    expect(h.changes().map((c) => c.paths[0]?.new)).toEqual(['web:v2', 'web:v3', 'web:v4']);
    const written = webStates().slice(before);
    expect(written).toHaveLength(1);
    const state = decodeMessage('ObjectState', ObjectStateSchema, written[0].value);
    expect(state.object).toMatchObject({
      spec: { template: { spec: { containers: [{ image: 'web:v4' }] } } },
    });

    // A restart diffs against that last state: the next edit reports only itself.
    await h.event('MODIFIED', dep('web', 'web:v5'), '2025-06-01T00:09:00.000Z');
    await h.run();
    expect(
      h
        .changes()
        .at(-1)
        ?.paths.map((p) => [p.old, p.new]),
    ).toEqual([['web:v4', 'web:v5']]);
  });

  it('produces the same change ids and no spurious change when a batch is retried after its changelog write failed', async () => {
    class FlakyLog extends MemoryEventLog {
      failures = 1;
      override async publish(topic: string, records: readonly LogRecord[]): Promise<void> {
        if (topic === TOPICS.objects.name && this.failures > 0 && records.some((r) => r.value !== null)) {
          this.failures--;
          // Half of the changelog lands, then the broker fails: the worst case for a rebuild.
          await super.publish(topic, records.slice(0, Math.ceil(records.length / 2)));
          throw new Error('broker unavailable');
        }
        await super.publish(topic, records);
      }
    }
    const h = await harness(new FlakyLog());
    await h.snapshot('Deployment', [dep('a', 'a:1')], '2025-06-01T00:00:00.000Z');
    for (let i = 2; i <= 6; i++) await h.event('MODIFIED', dep('a', `a:${i}`), `2025-06-01T00:0${i}:00.000Z`);
    await h.run();
    const changes = h.changes();
    const unique = new Map(changes.map((c) => [c.changeId, c]));
    expect([...unique.values()].map((c) => c.paths[0].new)).toEqual(['a:2', 'a:3', 'a:4', 'a:5', 'a:6']);
    const last = h.log
      .records(TOPICS.objects.name)
      .filter((r) => r.key?.endsWith('/a'))
      .at(-1);
    expect(JSON.stringify(decodeMessage('ObjectState', ObjectStateSchema, last!.value).object)).toContain(
      'a:6',
    );
  });

  it('dead-letters malformed envelopes and unknown schema versions and keeps the partition flowing', async () => {
    const h = await harness();
    const good = h.publisher.objectRecord(
      rawObjectEvent({
        cluster: 'c1',
        type: 'ADDED',
        resource: RES.Deployment,
        object: dep('z', 'z:1'),
        observedAt: '2025-06-01T00:00:00.000Z',
      }),
    );
    await h.log.publish(TOPICS.rawEvents.name, [
      { key: good.key, value: 'not json' },
      { key: good.key, value: JSON.stringify({ ...JSON.parse(String(good.value)), schemaVersion: 2 }) },
      good,
    ]);
    await h.run();
    const dlq = h.log.records(TOPICS.deadLetter.name);
    expect(dlq.map((r) => r.headers[DLQ_HEADERS.reason])).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('unknown schemaVersion 2'),
    ]);
    expect(h.changes().map((c) => [c.ref.name, c.operation])).toEqual([['z', 'create']]);
  });

  it('diffs objects over 1 MiB and truncates a delta too large for a record', async () => {
    const h = await harness();
    const big = (v: string) =>
      cm(
        'big',
        Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, `${v}${i}`.padEnd(5_000, v)])),
      );
    await h.snapshot('ConfigMap', [big('a')], '2025-06-01T00:00:00.000Z');
    await h.event('MODIFIED', big('b'), '2025-06-01T00:01:00.000Z');
    await h.run();
    const [record] = h.log.records(TOPICS.changes.name);
    expect(record.value!.length).toBeLessThan(1_000_000);
    const change = decodeMessage('ChangeEvent', ChangeEventSchema, record.value);
    expect(change.classes).toEqual(['config-data']);
    expect(change.delta).toMatchObject({ _truncated: true });
    expect(change.paths.length).toBeGreaterThan(0);
  });
});
