/**
 * npm run bench:differ — the differ on a real broker with realistic Deployment objects:
 *  1. throughput: change events/s through DifferProcessor, beside a raw kafkajs consume-and-produce passthrough of
 *     the same input, measured in the same run (target ratio >= 0.5);
 *  2. state: RSS of an instance holding 150,000 objects, and the time to rebuild that state from the changelog on
 *     a cold start (targets <= 1.5 GiB, <= 60 s).
 * Broker: KAFKA_BROKERS (default 127.0.0.1:19092). Progress on stderr; last stdout line:
 * {"bench":"differ","ratio":R,"rss_mib_150k":M,"rebuild_s_150k":S}
 */
import { randomUUID } from 'node:crypto';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS, TOPICS, type WatchedResource } from '#contracts';
import { KafkaConnectionSchema, KafkaEventLog, type LogRecord } from '#kafka';
import { DifferHandler } from '../apps/differ/src/differ.handler.js';
import { resolveDifferOptions } from '../apps/differ/src/differ.options.js';
import { DifferProcessor } from '../apps/differ/src/differ.processor.js';
import {
  rawObjectEvent,
  snapshotMarker,
  type KubeObject,
} from '../apps/watcher/src/publish/raw-event.factory.js';
import { RawEventPublisher } from '../apps/watcher/src/publish/raw-event.publisher.js';

const BROKERS = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
const THROUGHPUT_OBJECTS = Number(process.env.BENCH_OBJECTS ?? 5_000);
const THROUGHPUT_CHANGES = Number(process.env.BENCH_CHANGES ?? 20_000);
const STATE_OBJECTS = Number(process.env.BENCH_STATE_OBJECTS ?? 150_000);
const DEPLOYMENTS: WatchedResource = {
  group: 'apps',
  version: 'v1',
  kind: 'Deployment',
  resource: 'deployments',
  namespaced: true,
};

const say = (msg: string, extra: Record<string, unknown> = {}) =>
  process.stderr.write(`${JSON.stringify({ msg, ...extra })}\n`);
const mib = (bytes: number) => Math.round(bytes / 1024 / 1024);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A Deployment shaped like the recorded ones (online-boutique): env, probes, resources, managedFields. ~4 KiB. */
function deployment(i: number, version: number): KubeObject {
  const name = `svc-${i}`;
  const ns = `team-${i % 50}`;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: ns,
      uid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      resourceVersion: String(1_000_000 + version * 1_000_000 + i),
      generation: version + 1,
      creationTimestamp: '2025-03-21T14:09:22Z',
      labels: { app: name, 'app.kubernetes.io/version': `1.${version}.0` },
      annotations: {
        'deployment.kubernetes.io/revision': String(version + 1),
        'meta.helm.sh/release-name': ns,
      },
      managedFields: [
        {
          manager: 'helm',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2025-05-30T23:35:41Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:template': {} } },
        },
        {
          manager: 'horizontal-pod-autoscaler',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2025-06-04T02:40:59Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:spec': { 'f:replicas': {} } },
          subresource: 'scale',
        },
        {
          manager: 'kubectl-set',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2025-06-05T02:47:55Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:spec': {
              'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"server"}': { 'f:image': {} } } } },
            },
          },
        },
        {
          manager: 'kube-controller-manager',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2025-05-30T23:36:01Z',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:status': { 'f:conditions': {}, 'f:replicas': {} } },
          subresource: 'status',
        },
      ],
    },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: {
          creationTimestamp: null,
          labels: { app: name },
          annotations: { 'sidecar.istio.io/rewriteAppHTTPProbers': 'true' },
        },
        spec: {
          serviceAccountName: name,
          securityContext: { fsGroup: 1000, runAsGroup: 1000, runAsNonRoot: true, runAsUser: 1000 },
          containers: [
            {
              name: 'server',
              image: `us-central1-docker.pkg.dev/online-boutique-ci/microservices-demo/${name}:v0.10.${version}`,
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              readinessProbe: {
                initialDelaySeconds: 10,
                httpGet: { path: '/_healthz', port: 8080, scheme: 'HTTP' },
                timeoutSeconds: 1,
                periodSeconds: 10,
                successThreshold: 1,
                failureThreshold: 3,
              },
              livenessProbe: {
                initialDelaySeconds: 10,
                httpGet: { path: '/_healthz', port: 8080, scheme: 'HTTP' },
                timeoutSeconds: 1,
                periodSeconds: 10,
                successThreshold: 1,
                failureThreshold: 3,
              },
              env: [
                { name: 'PORT', value: '8080' },
                { name: 'PRODUCT_CATALOG_SERVICE_ADDR', value: 'productcatalogservice:3550' },
                { name: 'CURRENCY_SERVICE_ADDR', value: 'currencyservice:7000' },
                { name: 'CART_SERVICE_ADDR', value: 'cartservice:7070' },
                { name: 'RECOMMENDATION_SERVICE_ADDR', value: 'recommendationservice:8080' },
                { name: 'SHIPPING_SERVICE_ADDR', value: 'shippingservice:50051' },
                { name: 'CHECKOUT_SERVICE_ADDR', value: 'checkoutservice:5050' },
                { name: 'AD_SERVICE_ADDR', value: 'adservice:9555' },
                { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: `${name}-db`, key: 'password' } } },
              ],
              resources: {
                requests: { cpu: '100m', memory: '64Mi' },
                limits: { cpu: '200m', memory: '128Mi' },
              },
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                privileged: false,
                readOnlyRootFilesystem: true,
              },
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
          schedulerName: 'default-scheduler',
        },
      },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
    },
    status: {
      observedGeneration: version + 1,
      replicas: 2,
      updatedReplicas: 2,
      readyReplicas: 2,
      availableReplicas: 2,
    },
  };
}

function connection(prefix: string) {
  return KafkaConnectionSchema.parse({ brokers: BROKERS, namespacePrefix: prefix, clientId: 'bench-differ' });
}

/** Publishes a snapshot of `count` Deployments, then `changes` image bumps spread over them, as the watcher would. */
async function feed(log: KafkaEventLog, count: number, changes: number): Promise<number> {
  const publisher = new RawEventPublisher(log, 'bench');
  const ts = '2025-06-05T00:00:00.000Z';
  const base = { cluster: 'bench', resource: DEPLOYMENTS, snapshotId: `bench@${ts}`, observedAt: ts };
  let total = 0;
  const send = async (records: LogRecord[]) => {
    for (let i = 0; i < records.length; i += 200) await publisher.publish(records.slice(i, i + 200));
    total += records.length;
  };
  await send(await publisher.markerRecords(snapshotMarker({ ...base, type: 'SNAPSHOT_START' })));
  for (let i = 0; i < count; i += 2_000) {
    const records: LogRecord[] = [];
    for (let j = i; j < Math.min(count, i + 2_000); j++)
      records.push(
        publisher.objectRecord(rawObjectEvent({ ...base, type: 'SYNC', object: deployment(j, 0) })),
      );
    await send(records);
  }
  await send(await publisher.markerRecords(snapshotMarker({ ...base, type: 'SNAPSHOT_END' })));
  for (let i = 0; i < changes; i += 2_000) {
    const records: LogRecord[] = [];
    for (let k = i; k < Math.min(changes, i + 2_000); k++) {
      const object = deployment(k % count, 1 + Math.floor(k / count));
      const observedAt = new Date(Date.parse(ts) + (k + 1) * 1_000).toISOString();
      records.push(
        publisher.objectRecord(
          rawObjectEvent({ cluster: 'bench', type: 'MODIFIED', resource: DEPLOYMENTS, object, observedAt }),
        ),
      );
    }
    await send(records);
  }
  return total;
}

/** Waits until a consumer group has committed every offset of a topic. */
async function waitCommitted(kafka: Kafka, group: string, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, BigInt(o.high)]));
    for (;;) {
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const done = committed?.partitions.every((p) => BigInt(p.offset) >= (ends.get(p.partition) ?? 0n));
      if (done && committed.partitions.length === ends.size) return;
      await sleep(100);
    }
  } finally {
    await admin.disconnect();
  }
}

/** The reference: a raw kafkajs consumer that produces one record per record consumed, with the same guarantees. */
async function passthrough(prefix: string, records: number): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-passthrough', brokers: BROKERS, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [{ topic: `${prefix}passthrough`, numPartitions: TOPICS.changes.partitions }],
  });
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId: `${prefix}passthrough`, maxBytesPerPartition: 4 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topic: `${prefix}${TOPICS.rawEvents.name}`, fromBeginning: true });
  let seen = 0;
  const t0 = performance.now();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      await producer.send({
        topic: `${prefix}passthrough`,
        acks: -1,
        compression: CompressionTypes.GZIP,
        messages: batch.messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      });
      const last = batch.messages.at(-1);
      if (last)
        await consumer.commitOffsets([
          { topic: batch.topic, partition: batch.partition, offset: (BigInt(last.offset) + 1n).toString() },
        ]);
      seen += batch.messages.length;
    },
  });
  while (seen < records) await sleep(20);
  const seconds = (performance.now() - t0) / 1_000;
  await consumer.disconnect();
  await producer.disconnect();
  return seconds;
}

async function throughput(): Promise<{ ratio: number; changesPerS: number; passthroughPerS: number }> {
  const prefix = `bench-differ-${randomUUID().slice(0, 8)}.`;
  const log = new KafkaEventLog(connection(prefix));
  await log.ensureTopics(ALL_TOPICS);
  const records = await feed(log, THROUGHPUT_OBJECTS, THROUGHPUT_CHANGES);
  say('throughput input published', { records, objects: THROUGHPUT_OBJECTS, changes: THROUGHPUT_CHANGES });

  const passSeconds = await passthrough(prefix, records);
  const passthroughPerS = records / passSeconds;
  say('passthrough', { records, seconds: +passSeconds.toFixed(2), recordsPerS: Math.round(passthroughPerS) });

  const kafka = new Kafka({ clientId: 'bench-admin', brokers: BROKERS, logLevel: logLevel.ERROR });
  const differ = new DifferProcessor(log, { logChanges: false });
  const t0 = performance.now();
  await differ.start();
  await waitCommitted(kafka, `${prefix}ia-differ`, `${prefix}${TOPICS.rawEvents.name}`);
  const seconds = (performance.now() - t0) / 1_000;
  await differ.stop();
  await log.close();
  const differPerS = records / seconds;
  const changesPerS = THROUGHPUT_CHANGES / seconds;
  say('differ', {
    records,
    seconds: +seconds.toFixed(2),
    recordsPerS: Math.round(differPerS),
    changesPerS: Math.round(changesPerS),
  });
  return { ratio: differPerS / passthroughPerS, changesPerS, passthroughPerS };
}

async function state(): Promise<{ rssMiB: number; rebuildS: number }> {
  const prefix = `bench-differ-state-${randomUUID().slice(0, 8)}.`;
  const log = new KafkaEventLog(connection(prefix));
  await log.ensureTopics(ALL_TOPICS);
  await feed(log, STATE_OBJECTS, 0);
  say('state input published', { objects: STATE_OBJECTS });
  const kafka = new Kafka({ clientId: 'bench-admin', brokers: BROKERS, logLevel: logLevel.ERROR });
  const differ = new DifferProcessor(log, { logChanges: false });
  let t0 = performance.now();
  await differ.start();
  await waitCommitted(kafka, `${prefix}ia-differ`, `${prefix}${TOPICS.rawEvents.name}`);
  say('state built by the differ', {
    objects: differ.readiness().detail.objects,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  });
  await differ.stop();
  await log.close();

  // Cold start: a fresh instance restores every partition from the changelog, as on a restart or rebalance.
  const cold = new KafkaEventLog(connection(prefix));
  const handler = new DifferHandler(cold, resolveDifferOptions({ logChanges: false }));
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  t0 = performance.now();
  for (let p = 0; p < TOPICS.rawEvents.partitions; p++)
    await handler.prepare({ topic: TOPICS.rawEvents.name, partition: p }, async () => {});
  const rebuildS = (performance.now() - t0) / 1_000;
  global.gc?.();
  const rss = process.memoryUsage().rss;
  say('state rebuilt from changelog', {
    objects: handler.objectCount,
    seconds: +rebuildS.toFixed(1),
    rssMiB: mib(rss),
    rssBeforeMiB: mib(rssBefore),
    heapMiB: mib(process.memoryUsage().heapUsed),
  });
  await cold.close();
  return { rssMiB: mib(rss), rebuildS };
}

async function main() {
  const t = await throughput();
  const s = await state();
  process.stdout.write(
    `${JSON.stringify({ bench: 'differ', ratio: +t.ratio.toFixed(2), rss_mib_150k: s.rssMiB, rebuild_s_150k: +s.rebuildS.toFixed(1), changes_per_s: Math.round(t.changesPerS), passthrough_per_s: Math.round(t.passthroughPerS) })}\n`,
  );
  // kafkajs leaves timers behind.
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
