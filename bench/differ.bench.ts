/**
 * npm run bench:differ — the differ on a real broker with realistic Deployment objects:
 *  1. throughput: change events/s through DifferProcessor, beside a raw kafkajs consume-and-produce passthrough of
 *     the same input with the same compression, measured in the same run just before and just after the differ
 *     (target ratio >= 0.5). BENCH_RUNS runs (default 3), each on fresh topics; the medians are reported.
 *  2. state: the state of 150,000 objects is built by the differ, then rebuilt from the changelog on a cold start
 *     in a dedicated child process (BENCH_REBUILD_RUNS times, default 3), which reports the rebuild time and its
 *     RSS holding that state (targets <= 60 s, <= 1.5 GiB); the medians are reported. A child process, because
 *     this one holds the garbage and the buffers of the earlier phases.
 * Broker: KAFKA_BROKERS, else the local benchmark broker of scripts/kafka (bench/lib/broker.ts). Progress on
 * stderr; last stdout line:
 * {"bench":"differ","ratio":R,"rss_mib_150k":M,"rebuild_s_150k":S,"changes_per_s":C,"passthrough_per_s":P,
 *  "event_loop_delay_max_ms":L}  (L: the longest the event loop waited for a turn during the differ phase)
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS, rawObjectEvent, snapshotMarker, TOPICS, type WatchedResource } from '#contracts';
import { createTopicsWithLeaders, KafkaConnectionSchema, KafkaEventLog, type LogRecord } from '#kafka';
import { DifferHandler, DifferProcessor, resolveDifferOptions } from '#differ';
import { RawEventPublisher } from '#watcher';
import { deployment } from './differ-deployment.js';
import { deleteBenchTopics } from './lib/baseline.js';
import { ensureBroker } from './lib/broker.js';
import { median } from './lib/stats.js';

let BROKERS: string[] = [];
const THROUGHPUT_OBJECTS = Number(process.env.BENCH_OBJECTS ?? 5_000);
const THROUGHPUT_CHANGES = Number(process.env.BENCH_CHANGES ?? 20_000);
const STATE_OBJECTS = Number(process.env.BENCH_STATE_OBJECTS ?? 150_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const REBUILD_RUNS = Number(process.env.BENCH_REBUILD_RUNS ?? 3);
/** Both sides compress alike (the EventLog's default), or the comparison measures gzip rather than the differ. */
const COMPRESSION = 'gzip' as const;
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

function connection(prefix: string) {
  return KafkaConnectionSchema.parse({
    brokers: BROKERS,
    namespacePrefix: prefix,
    clientId: 'bench-differ',
    compression: COMPRESSION,
  });
}

/** Every topic of this invocation starts with it: each run makes fresh ones. */
const TOPIC_PREFIX = `bench-differ-${randomUUID().slice(0, 8)}-`;

/**
 * Deletes this invocation's topics once all runs are done: a broker reused across invocations (KAFKA_BROKERS) piled
 * up thousands of partitions until it died of too many open files. Not between runs: topics created right after
 * others were deleted were at times unknown to the metadata kafkajs waits for, and the run failed.
 */
async function dropTopics(): Promise<void> {
  const kafka = new Kafka({ clientId: 'bench-admin', brokers: BROKERS, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(TOPIC_PREFIX));
  await admin.disconnect();
  await deleteBenchTopics(kafka, topics);
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
      // As often as the passthrough checks its count: the end of both is seen to the same resolution.
      await sleep(20);
    }
  } finally {
    await admin.disconnect();
  }
}

/** The reference: a raw kafkajs consumer that produces one record per record consumed, with the same guarantees. */
async function passthrough(prefix: string, records: number, tag: string): Promise<number> {
  const kafka = new Kafka({ clientId: 'bench-passthrough', brokers: BROKERS, logLevel: logLevel.ERROR });
  const admin = kafka.admin();
  await admin.connect();
  await createTopicsWithLeaders(admin, [
    { topic: `${prefix}passthrough-${tag}`, numPartitions: TOPICS.changes.partitions },
  ]);
  await admin.disconnect();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({
    groupId: `${prefix}passthrough-${tag}`,
    maxBytesPerPartition: 4 * 1024 * 1024,
  });
  await consumer.connect();
  await consumer.subscribe({ topic: `${prefix}${TOPICS.rawEvents.name}`, fromBeginning: true });
  let seen = 0;
  const t0 = performance.now();
  await consumer.run({
    autoCommit: false,
    eachBatch: async ({ batch }) => {
      await producer.send({
        topic: `${prefix}passthrough-${tag}`,
        acks: -1,
        compression: COMPRESSION === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
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

async function throughput(
  run: number,
): Promise<{ ratio: number; changesPerS: number; passthroughPerS: number; loopDelayMaxMs: number }> {
  const prefix = `${TOPIC_PREFIX}${run}.`;
  const log = new KafkaEventLog(connection(prefix));
  await log.ensureTopics(ALL_TOPICS);
  const records = await feed(log, THROUGHPUT_OBJECTS, THROUGHPUT_CHANGES);
  say('throughput input published', {
    run,
    records,
    objects: THROUGHPUT_OBJECTS,
    changes: THROUGHPUT_CHANGES,
  });

  const before = await passthrough(prefix, records, 'before');
  say('passthrough before', {
    run,
    records,
    seconds: +before.toFixed(2),
    recordsPerS: Math.round(records / before),
  });

  const kafka = new Kafka({ clientId: 'bench-admin', brokers: BROKERS, logLevel: logLevel.ERROR });
  const differ = new DifferProcessor(log, { logChanges: false });
  // How long the event loop went without a turn while the differ worked: a health check or metrics scrape
  // waits that long.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const t0 = performance.now();
  await differ.start();
  await waitCommitted(kafka, `${prefix}ia-differ`, `${prefix}${TOPICS.rawEvents.name}`);
  const seconds = (performance.now() - t0) / 1_000;
  loopDelay.disable();
  const loopDelayMaxMs = loopDelay.max / 1e6;
  await differ.stop();
  await log.close();
  // The baseline brackets the differ: on a shared machine the load moves during a run, and one passthrough
  // measured only before the differ may catch a quiet (or busy) moment the differ does not.
  const after = await passthrough(prefix, records, 'after');
  say('passthrough after', {
    run,
    records,
    seconds: +after.toFixed(2),
    recordsPerS: Math.round(records / after),
  });
  const passthroughPerS = records / ((before + after) / 2);
  const differPerS = records / seconds;
  const changesPerS = THROUGHPUT_CHANGES / seconds;
  say('differ', {
    run,
    records,
    seconds: +seconds.toFixed(2),
    recordsPerS: Math.round(differPerS),
    changesPerS: Math.round(changesPerS),
    ratio: +(differPerS / passthroughPerS).toFixed(2),
    eventLoopDelayMaxMs: Math.round(loopDelayMaxMs),
  });
  return { ratio: differPerS / passthroughPerS, changesPerS, passthroughPerS, loopDelayMaxMs };
}

interface RebuildResult {
  objects: number;
  seconds: number;
  rssMiB: number;
  rssBeforeMiB: number;
  heapMiB: number;
}

/** Child process: a cold start restores every partition from the changelog, as the consumer does on joining. */
async function rebuildChild(prefix: string): Promise<void> {
  const cold = new KafkaEventLog(connection(prefix));
  const handler = new DifferHandler(cold, resolveDifferOptions({ logChanges: false }));
  const partitions = Array.from({ length: TOPICS.rawEvents.partitions }, (_, partition) => ({
    topic: TOPICS.rawEvents.name,
    partition,
  }));
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  await handler.prepareAll(partitions, async () => {});
  const seconds = (performance.now() - t0) / 1_000;
  await cold.close();
  global.gc?.();
  const result: RebuildResult = {
    objects: handler.objectCount,
    seconds,
    rssMiB: mib(process.memoryUsage().rss),
    rssBeforeMiB: mib(rssBefore),
    heapMiB: mib(process.memoryUsage().heapUsed),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function runRebuildChild(prefix: string): Promise<RebuildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // The parent's V8 flags (the differ's young-generation size): the child is measured as the differ runs.
      [
        ...new Set([...process.execArgv, '--expose-gc']),
        fileURLToPath(import.meta.url),
        'rebuild-child',
        prefix,
      ],
      { env: { ...process.env, KAFKA_BROKERS: BROKERS.join(',') }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const last = out.trim().split('\n').at(-1);
      if (code !== 0 || !last) reject(new Error(`rebuild child exited with ${code}`));
      else resolve(JSON.parse(last) as RebuildResult);
    });
  });
}

async function state(): Promise<{ rssMiB: number; rebuildS: number }> {
  const prefix = `${TOPIC_PREFIX}state.`;
  const log = new KafkaEventLog(connection(prefix));
  await log.ensureTopics(ALL_TOPICS);
  await feed(log, STATE_OBJECTS, 0);
  say('state input published', { objects: STATE_OBJECTS });
  const kafka = new Kafka({ clientId: 'bench-admin', brokers: BROKERS, logLevel: logLevel.ERROR });
  const differ = new DifferProcessor(log, { logChanges: false });
  const t0 = performance.now();
  await differ.start();
  await waitCommitted(kafka, `${prefix}ia-differ`, `${prefix}${TOPICS.rawEvents.name}`);
  say('state built by the differ', {
    objects: differ.readiness().detail.objects,
    seconds: +((performance.now() - t0) / 1000).toFixed(1),
  });
  await differ.stop();
  await log.close();

  const results: RebuildResult[] = [];
  for (let run = 0; run < REBUILD_RUNS; run++) {
    const r = await runRebuildChild(prefix);
    say('state rebuilt from changelog (child process)', { run, ...r, seconds: +r.seconds.toFixed(1) });
    results.push(r);
  }
  return { rssMiB: median(results.map((r) => r.rssMiB)), rebuildS: median(results.map((r) => r.seconds)) };
}

async function main() {
  if (process.argv[2] === 'rebuild-child') {
    BROKERS = (process.env.KAFKA_BROKERS ?? '').split(',');
    await rebuildChild(process.argv[3]);
    process.exit(0);
  }
  const broker = await ensureBroker();
  BROKERS = broker.brokers;
  try {
    const runs = [];
    for (let run = 0; run < RUNS; run++) runs.push(await throughput(run));
    const s = await state();
    const result = {
      bench: 'differ',
      ratio: +median(runs.map((r) => r.ratio)).toFixed(2),
      rss_mib_150k: s.rssMiB,
      rebuild_s_150k: +s.rebuildS.toFixed(1),
      changes_per_s: Math.round(median(runs.map((r) => r.changesPerS))),
      passthrough_per_s: Math.round(median(runs.map((r) => r.passthroughPerS))),
      event_loop_delay_max_ms: Math.round(median(runs.map((r) => r.loopDelayMaxMs))),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    await dropTopics().catch((err: unknown) => say('could not delete the topics', { err: String(err) }));
    await broker.stop();
  }
  // kafkajs leaves timers behind.
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String((err as Error)?.stack ?? err)}\n`);
  process.exit(1);
});
