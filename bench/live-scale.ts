/**
 * `npm run bench:live-scale`: the watcher and the differ (as separate processes) against a live cluster of
 * simulated nodes and pods (scripts/cluster with KWOK), as KWOK is meant for: 500 nodes and 10,000 pods by
 * default. Measures the time to the first full sync (the watcher listed every resource; the differ consumed
 * everything the watcher published by then), each role's RSS, and the change events and raw events per minute
 * at steady state. Progress on stderr; the last line on stdout is one JSON object.
 *
 * Settings: KAFKA_BROKERS (else a local broker), IA_SCALE_KUBE_PORT (16743), IA_SCALE_NODES (500),
 * IA_SCALE_PODS (10000, in Deployments of 500 replicas), IA_SCALE_STEADY_SECONDS (300),
 * IA_SCALE_KEEP_CLUSTER=1 to leave the cluster running (a second run then reuses its pods).
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS, TOPICS } from '#contracts';
import { ChangeFeed } from './drill/change-feed.js';
import { startLiveCluster, type LiveCluster } from './drill/live-cluster.js';
import { spawnRoles } from './drill/roles.js';
import { deleteBenchTopics } from './lib/baseline.js';
import { ensureBroker } from './lib/broker.js';

const say = (line: string) => process.stderr.write(`[live-scale] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mib = (b: number) => Math.round(b / 1048576);
const NS = 'scale';
const PER_DEPLOYMENT = 500;

function deployment(name: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: NS, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [
            {
              name: 'app',
              image: 'registry.k8s.io/pause:3.10',
              env: [{ name: 'PORT', value: '8080' }],
              resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { memory: '128Mi' } },
            },
          ],
        },
      },
    },
  };
}

/**
 * Ready pods of the namespace, counted on the pods themselves: under this load the ReplicaSet controller's
 * status lags minutes behind (readyReplicas stayed at 409 of 500 with every pod Ready).
 */
function readyPods(cluster: LiveCluster): number {
  const out = cluster.kubectl([
    '-n',
    NS,
    'get',
    'pods',
    '--no-headers',
    '-o',
    'custom-columns=READY:.status.containerStatuses[0].ready',
  ]).stdout;
  return out.split('\n').filter((l) => l.trim() === 'true').length;
}

async function ensurePods(cluster: LiveCluster, pods: number): Promise<number> {
  cluster.kubectl(['create', 'namespace', NS], { allowFail: true });
  const items = [];
  for (let i = 0; i * PER_DEPLOYMENT < pods; i++)
    items.push(deployment(`load-${i}`, Math.min(PER_DEPLOYMENT, pods - i * PER_DEPLOYMENT)));
  cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
  const t0 = Date.now();
  let last = -1;
  for (;;) {
    const n = readyPods(cluster);
    if (n !== last) say(`${n} / ${pods} pods Ready (${Math.round((Date.now() - t0) / 1000)} s)`);
    last = n;
    if (n >= pods) return (Date.now() - t0) / 1000;
    if (Date.now() - t0 > 3_600_000) throw new Error(`only ${n} of ${pods} pods Ready after an hour`);
    await sleep(5_000);
  }
}

/** Messages in the topic's partitions, and what the group has committed of them. */
async function lag(
  kafka: Kafka,
  topic: string,
  groupId: string,
): Promise<{ end: number; committed: number }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [group] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const committed = new Map(
      (group?.partitions ?? []).map((p) => [p.partition, Math.max(0, Number(p.offset))]),
    );
    return {
      end: ends.reduce((n, p) => n + Number(p.offset), 0),
      committed: ends.reduce((n, p) => n + (committed.get(p.partition) ?? 0), 0),
    };
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const nodes = Number(process.env.IA_SCALE_NODES ?? 500);
  const pods = Number(process.env.IA_SCALE_PODS ?? 10_000);
  const steadyMs = Number(process.env.IA_SCALE_STEADY_SECONDS ?? 300) * 1000;
  const broker = await ensureBroker();
  const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
  const cluster = await startLiveCluster({ port: process.env.IA_SCALE_KUBE_PORT ?? '16743', nodes });
  say(
    `cluster with ${nodes} nodes ${cluster.startedHere ? 'started' : 'reused'} in ${(cluster.startMs / 1000).toFixed(0)} s`,
  );
  const topicPrefix = `ia-live-scale-${randomBytes(3).toString('hex')}`;
  let roles: Awaited<ReturnType<typeof spawnRoles>> | undefined;
  let feed: ChangeFeed | undefined;
  try {
    const podsS = await ensurePods(cluster, pods);
    say(`${pods} pods Ready after ${podsS.toFixed(0)} s; starting the watcher and the differ`);
    const t0 = Date.now();
    roles = await spawnRoles(
      { brokers: broker.brokers, kubeconfig: cluster.kubeconfig, topicPrefix, clusterId: 'scale' },
      { only: ['watcher', 'differ'], readyTimeoutMs: 1_800_000 },
    );
    const watcherSyncS = (Date.now() - t0) / 1000;
    const rssAtWatcherSync = roles.rss()!;
    say(`watcher listed everything in ${watcherSyncS.toFixed(1)} s`);
    const rawTopic = `${topicPrefix}.${TOPICS.rawEvents.name}`;
    const listed = (await lag(kafka, rawTopic, `${topicPrefix}.ia-differ`)).end;
    for (;;) {
      const l = await lag(kafka, rawTopic, `${topicPrefix}.ia-differ`);
      if (l.committed >= listed) break;
      if (Date.now() - t0 > 1_800_000)
        throw new Error(`differ consumed ${l.committed} of ${listed} after 30 min`);
      await sleep(500);
    }
    const differSyncS = (Date.now() - t0) / 1000;
    const rssAtSync = roles.rss()!;
    say(`differ consumed the ${listed} raw events of the first sync in ${differSyncS.toFixed(1)} s`);

    feed = await ChangeFeed.start(broker.brokers, topicPrefix);
    await sleep(10_000); // the feed replays what the first sync published
    const changes0 = feed.changes.length;
    const raw0 = (await lag(kafka, rawTopic, `${topicPrefix}.ia-differ`)).end;
    say(`steady state: counting for ${steadyMs / 1000} s`);
    await sleep(steadyMs);
    const changes = feed.changes.slice(changes0).map((s) => s.value);
    const raw = (await lag(kafka, rawTopic, `${topicPrefix}.ia-differ`)).end - raw0;
    for (const c of changes.slice(0, 20))
      say(
        `  steady change: ${c.operation} ${c.ref.kind} ${c.ref.namespace ?? ''}/${c.ref.name} by ${c.actor.manager}`,
      );
    const rssEnd = roles.rss()!;
    const minutes = steadyMs / 60_000;
    process.stdout.write(
      `${JSON.stringify({
        bench: 'live-scale',
        nodes,
        pods,
        raw_events_first_sync: listed,
        watcher_sync_s: Math.round(watcherSyncS * 10) / 10,
        differ_sync_s: Math.round(differSyncS * 10) / 10,
        watcher_rss_mib: { at_sync: mib(rssAtWatcherSync.watcher), steady: mib(rssEnd.watcher) },
        differ_rss_mib: { at_sync: mib(rssAtSync.differ), steady: mib(rssEnd.differ) },
        changes_per_min: Math.round((changes.length / minutes) * 10) / 10,
        raw_events_per_min: Math.round((raw / minutes) * 10) / 10,
      })}\n`,
    );
  } finally {
    await feed?.stop();
    await roles?.stop();
    await deleteBenchTopics(
      kafka,
      ALL_TOPICS.map((t) => `${topicPrefix}.${t.name}`),
    ).catch(() => undefined);
    if (process.env.IA_SCALE_KEEP_CLUSTER !== '1') await cluster.stop();
    await broker.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `[live-scale] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
