import { afterEach, describe, expect, it } from 'vitest';
import {
  AnomalySignalSchema,
  ChangeEventSchema,
  decodeMessage,
  rawObjectEvent,
  snapshotMarker,
  TOPICS,
  type AnomalySignal,
  type ChangeEvent,
  type KubeObject,
  type WatchedResource,
} from '#contracts';
import { KafkaConnectionSchema, KafkaEventLog, type ConsumerHandle, type LogRecord } from '#kafka';
import { SecretRedactor } from '#kube';
import { DifferProcessor } from '#differ';
import { RawEventPublisher } from '#watcher';
import { kafkaBrokers, uniqueTopicPrefix } from './support/kafka.js';

const RES: Record<string, WatchedResource> = {
  Deployment: { group: 'apps', version: 'v1', kind: 'Deployment', resource: 'deployments', namespaced: true },
  ConfigMap: { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true },
  Secret: { group: '', version: 'v1', kind: 'Secret', resource: 'secrets', namespaced: true },
};
const SECRET_VALUES = ['c3VwZXItc2VjcmV0LXBhc3N3b3JkLTE=', 'c3VwZXItc2VjcmV0LXBhc3N3b3JkLTI='];
const redactor = new SecretRedactor({ hmacKey: 'e2e-key' });

let rv = 1000;
function deployment(
  name: string,
  image: string,
  env = [
    { name: 'A', value: '1' },
    { name: 'B', value: '2' },
  ],
  status: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'shop',
      uid: `uid-${name}`,
      resourceVersion: String(++rv),
      creationTimestamp: '2025-01-01T00:00:00Z',
      managedFields: [
        {
          manager: 'kubectl-set',
          operation: 'Update',
          time: '2025-06-01T00:00:00Z',
          fieldsV1: { 'f:spec': { 'f:template': {} } },
        },
      ],
    },
    spec: { replicas: 2, template: { spec: { containers: [{ name: 'server', image, env }] } } },
    status,
  };
}
const configMap = (value: string): KubeObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'shop', uid: 'uid-cfg', resourceVersion: String(++rv) },
  data: { 'app.yaml': value },
});
const secret = (value: string): KubeObject =>
  redactor.redact({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'db', namespace: 'shop', uid: 'uid-db', resourceVersion: String(++rv) },
    data: { password: value },
  });

function newLog(prefix: string): KafkaEventLog {
  return new KafkaEventLog(KafkaConnectionSchema.parse({ brokers: kafkaBrokers(), namespacePrefix: prefix }));
}

/** Publishes raw events as the watcher does. */
class Watcher {
  readonly publisher: RawEventPublisher;
  constructor(log: KafkaEventLog) {
    this.publisher = new RawEventPublisher(log, 'e2e');
  }
  async snapshot(kind: string, objects: KubeObject[], ts: string): Promise<void> {
    const base = { cluster: 'c1', resource: RES[kind], snapshotId: `${kind}@${ts}`, observedAt: ts };
    const records: LogRecord[] = await this.publisher.markerRecords(
      snapshotMarker({ ...base, type: 'SNAPSHOT_START' }),
    );
    for (const object of objects)
      records.push(this.publisher.objectRecord(rawObjectEvent({ ...base, type: 'SYNC', object })));
    records.push(...(await this.publisher.markerRecords(snapshotMarker({ ...base, type: 'SNAPSHOT_END' }))));
    await this.publisher.publish(records);
  }
  async events(list: Array<['ADDED' | 'MODIFIED' | 'DELETED', KubeObject, string]>): Promise<void> {
    await this.publisher.publish(
      list.map(([type, object, ts]) =>
        this.publisher.objectRecord(
          rawObjectEvent({ cluster: 'c1', type, resource: RES[object.kind!], object, observedAt: ts }),
        ),
      ),
    );
  }
}

/** Reads the differ's outputs as a downstream consumer would. */
class Collector {
  readonly changes: ChangeEvent[] = [];
  readonly anomalies: AnomalySignal[] = [];
  readonly raw: string[] = [];
  private handle?: ConsumerHandle;
  async start(log: KafkaEventLog): Promise<void> {
    this.handle = await log.consume({
      groupId: 'collector',
      topics: [TOPICS.changes.name, TOPICS.anomalies.name, TOPICS.objects.name],
      handler: {
        handle: async (r) => {
          this.raw.push(r.value?.toString() ?? '');
          if (r.topic === TOPICS.changes.name)
            this.changes.push(decodeMessage('ChangeEvent', ChangeEventSchema, r.value));
          if (r.topic === TOPICS.anomalies.name)
            this.anomalies.push(decodeMessage('AnomalySignal', AnomalySignalSchema, r.value));
        },
      },
    });
  }
  async stop(): Promise<void> {
    await this.handle?.stop();
  }
  unique(): Map<string, ChangeEvent> {
    return new Map(this.changes.map((c) => [c.changeId, c]));
  }
}

async function until(check: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

describe('differ on a real broker', () => {
  it('reports image, config and secret changes and a delete; nothing for reordering or status; no secret value anywhere', async () => {
    const prefix = uniqueTopicPrefix('differ-basic') + '.';
    const log = newLog(prefix);
    cleanup.push(() => log.close());
    const differ = new DifferProcessor(log, {});
    const collector = new Collector();
    cleanup.push(
      () => collector.stop(),
      () => differ.stop(),
    );
    await differ.start();
    await collector.start(log);
    const w = new Watcher(log);
    const t0 = '2025-06-01T00:00:00.000Z';
    await w.snapshot('Deployment', [deployment('cart', 'cart:v1')], t0);
    await w.snapshot('ConfigMap', [configMap('level: info')], t0);
    await w.snapshot('Secret', [secret(SECRET_VALUES[0])], t0);
    await w.events([
      ['MODIFIED', deployment('cart', 'cart:v2'), '2025-06-01T00:01:00.000Z'],
      [
        'MODIFIED',
        deployment('cart', 'cart:v2', [
          { name: 'B', value: '2' },
          { name: 'A', value: '1' },
        ]),
        '2025-06-01T00:02:00.000Z',
      ],
      ['MODIFIED', configMap('level: debug'), '2025-06-01T00:03:00.000Z'],
      ['MODIFIED', secret(SECRET_VALUES[1]), '2025-06-01T00:04:00.000Z'],
      [
        'MODIFIED',
        deployment(
          'cart',
          'cart:v2',
          [
            { name: 'B', value: '2' },
            { name: 'A', value: '1' },
          ],
          {
            unavailableReplicas: 1,
            conditions: [
              {
                type: 'Available',
                status: 'False',
                reason: 'MinimumReplicasUnavailable',
                lastTransitionTime: '2025-06-01T00:05:00Z',
              },
            ],
          },
        ),
        '2025-06-01T00:05:00.000Z',
      ],
      ['DELETED', configMap('level: debug'), '2025-06-01T00:06:00.000Z'],
    ]);
    await until(
      () => collector.changes.length >= 4 && collector.anomalies.length >= 2,
      'changes and anomalies',
    );
    await new Promise((r) => setTimeout(r, 3_000)); // nothing else may arrive
    const seen = [...collector.unique().values()].map((c) => [
      c.ref.name,
      c.operation,
      c.classes[0],
      c.actor.kind,
    ]);
    expect(seen.sort()).toEqual([
      ['cart', 'update', 'image', 'human'],
      ['cfg', 'delete', 'deletion', 'unknown'],
      ['cfg', 'update', 'config-data', 'unknown'],
      ['db', 'update', 'secret-rotation', 'unknown'],
    ]);
    expect(collector.anomalies.map((a) => a.reason).sort()).toEqual([
      'DeploymentUnavailable',
      'UnavailableReplicas',
    ]);
    const everything = collector.raw.join('\n');
    for (const v of SECRET_VALUES) expect(everything).not.toContain(v);
  });

  it('loses and duplicates nothing when an instance crashes mid-stream, restarts, and a second one joins', async () => {
    const prefix = uniqueTopicPrefix('differ-crash') + '.';
    const names = Array.from({ length: 60 }, (_, i) => `svc-${i}`);
    const rounds = 4;

    // Crashes after publishing change events of a batch but before its changelog write: the worst moment.
    class CrashingLog extends KafkaEventLog {
      changeBatches = 0;
      crashed = false;
      override async publish(topic: string, records: readonly LogRecord[]): Promise<void> {
        if (this.crashed) throw new Error('process is dead');
        if (topic === TOPICS.changes.name && records.length > 0) this.changeBatches++;
        if (topic === TOPICS.objects.name && this.changeBatches >= 3) {
          this.crashed = true;
          throw new Error('killed');
        }
        return super.publish(topic, records);
      }
    }
    const conn = KafkaConnectionSchema.parse({ brokers: kafkaBrokers(), namespacePrefix: prefix });
    const crashing = new CrashingLog(conn);
    const feedLog = newLog(prefix);
    cleanup.push(() => feedLog.close());
    const collector = new Collector();
    cleanup.push(() => collector.stop());
    const w = new Watcher(feedLog);
    await feedLog.ensureTopics(Object.values(TOPICS));
    await w.snapshot(
      'Deployment',
      names.map((n) => deployment(n, `${n}:0`)),
      '2025-06-01T00:00:00.000Z',
    );
    const round = async (r: number) =>
      w.events(
        names.map((n, i) => [
          'MODIFIED',
          deployment(n, `${n}:${r}`),
          new Date(Date.UTC(2025, 5, 1, r, 0, i)).toISOString(),
        ]),
      );
    for (let r = 1; r <= 2; r++) await round(r);

    const first = new DifferProcessor(crashing, { logChanges: false });
    await first.start();
    await collector.start(feedLog);
    await until(() => crashing.crashed, 'the crash');
    await first.stop().catch(() => {});
    await crashing.close().catch(() => {});

    // Restart, then a second instance joins while more changes arrive: a rebalance moves partitions.
    const logB = newLog(prefix);
    const logC = newLog(prefix);
    cleanup.push(
      () => logB.close(),
      () => logC.close(),
    );
    const b = new DifferProcessor(logB, { logChanges: false });
    const c = new DifferProcessor(logC, { logChanges: false });
    cleanup.push(
      () => b.stop(),
      () => c.stop(),
    );
    await b.start();
    await round(3);
    await c.start();
    await round(4);

    const expected = names.flatMap((n) => Array.from({ length: rounds }, (_, r) => `${n}:${r + 1}`));
    await until(
      () => collector.unique().size >= expected.length,
      `${expected.length} unique changes`,
      110_000,
    );
    await new Promise((r) => setTimeout(r, 3_000));
    const unique = [...collector.unique().values()];
    expect(unique.map((ch) => String(ch.paths[0].new)).sort()).toEqual(expected.sort());
    expect(unique.every((ch) => ch.classes[0] === 'image')).toBe(true);
    // Duplicates may be delivered (that is what the ids are for) but each is the same event, byte for byte.
    const byId = new Map<string, string>();
    for (const ch of collector.changes) {
      const text = JSON.stringify(ch);
      expect(byId.get(ch.changeId) ?? text).toBe(text);
      byId.set(ch.changeId, text);
    }
  }, 180_000);
});
