/**
 * `npm run drill`: incident drills on a live cluster (scripts/cluster: API server, controller-manager, scheduler,
 * KWOK nodes) with the three roles as separate processes against a real Kafka broker. First a steady
 * Online Boutique and a quiet period, in which every change event is spurious; then one drill per plan, each in
 * a namespace of its own with a different fault and different routine changes before it. Progress goes to
 * stderr; the last line on stdout is
 *
 *   {"bench":"drill","drills":N,"ac1":x,"ac3":y,"spurious_changes_per_hour":z,"median_detect_s":s}
 *
 * Settings: KAFKA_BROKERS (else a local broker, see bench/lib/broker.ts), IA_DRILL_KUBE_PORT (16643),
 * IA_DRILL_NODES (3), IA_DRILL_QUIET_SECONDS (120), IA_DRILL_ONLY (comma-separated fault names).
 */
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { ALL_TOPICS } from '#contracts';
import { ChangeFeed } from './drill/change-feed.js';
import {
  measureQuiet,
  prepareDrill,
  runDrill,
  waitPipelineLive,
  type DrillPlan,
  type DrillResult,
} from './drill/drill.js';
import { startLiveCluster } from './drill/live-cluster.js';
import { ROLE_NAMES, spawnRoles } from './drill/roles.js';
import { deleteBenchTopics } from './lib/baseline.js';
import { ensureBroker } from './lib/broker.js';
import { median } from './lib/stats.js';

/** Each drill a different fault, target and set of routine changes. */
const DRILL_PLANS: readonly DrillPlan[] = [
  {
    fault: 'bad-image',
    target: 'productcatalogservice',
    noise: [
      ['rollout-restart', 'adservice'],
      ['configmap-edit', 'currencyservice'],
      ['scale-up', 'recommendationservice'],
    ],
  },
  {
    fault: 'crashloop-config',
    target: 'currencyservice',
    noise: [
      ['configmap-edit', 'currencyservice'],
      ['log-level', 'shippingservice'],
      ['annotate', 'frontend'],
    ],
  },
  {
    fault: 'memory-limit',
    target: 'checkoutservice',
    noise: [
      ['image-bump', 'emailservice'],
      ['rollout-restart', 'cartservice'],
      ['configmap-edit', 'loadgenerator'],
    ],
  },
  {
    fault: 'readiness-probe',
    target: 'shippingservice',
    noise: [
      ['scale-up', 'frontend'],
      ['annotate', 'adservice'],
      ['rollout-restart', 'productcatalogservice'],
    ],
  },
  {
    fault: 'network-policy',
    target: 'cartservice',
    noise: [
      ['log-level', 'frontend'],
      ['configmap-edit', 'loadgenerator'],
      ['image-bump', 'adservice'],
    ],
  },
  {
    fault: 'scale-to-zero',
    target: 'recommendationservice',
    noise: [
      ['rollout-restart', 'checkoutservice'],
      ['scale-up', 'currencyservice'],
      ['configmap-edit', 'currencyservice'],
      ['annotate', 'paymentservice'],
    ],
  },
];

const say = (line: string) => process.stderr.write(`[drill] ${line}\n`);
const mib = (b: number) => Math.round(b / 1048576);

async function main(): Promise<void> {
  const run = randomBytes(3).toString('hex');
  const only = process.env.IA_DRILL_ONLY?.split(',').map((s) => s.trim());
  const plans = DRILL_PLANS.filter((p) => !only || only.includes(p.fault));
  const quietMs = Number(process.env.IA_DRILL_QUIET_SECONDS ?? 120) * 1000;
  const broker = await ensureBroker();
  const cluster = await startLiveCluster({
    port: process.env.IA_DRILL_KUBE_PORT ?? '16643',
    nodes: Number(process.env.IA_DRILL_NODES ?? 3),
  });
  say(`cluster ${cluster.startedHere ? 'started' : 'reused'} in ${(cluster.startMs / 1000).toFixed(1)} s`);
  const topicPrefix = `ia-drill-${run}`;
  let roles: Awaited<ReturnType<typeof spawnRoles>> | undefined;
  let feed: ChangeFeed | undefined;
  const steady = `drill-${run}-steady`;
  const namespaces = plans.map((p, i) => `drill-${run}-${i + 1}-${p.fault}`);
  try {
    // The applications run before Incident Assistant starts, as on a production cluster: the watcher's first
    // list finds them, and their creation is not part of any incident.
    for (const ns of [steady, ...namespaces]) await prepareDrill(cluster, ns);
    say(`${namespaces.length + 1} Online Boutique namespaces settled`);
    const t0 = Date.now();
    roles = await spawnRoles({
      brokers: broker.brokers,
      kubeconfig: cluster.kubeconfig,
      topicPrefix,
      clusterId: `drill-${run}`,
      env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    });
    say(`watcher, differ and correlator ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    feed = await ChangeFeed.start(broker.brokers, topicPrefix);
    await waitPipelineLive(cluster, feed, steady);

    // A quiet period: nobody acts, so every change event is spurious.
    const quiet = await measureQuiet(feed, quietMs, say);
    say(`spurious change events: ${quiet.spurious.length} in ${quiet.seconds.toFixed(0)} s`);

    const results: DrillResult[] = [];
    for (const [i, plan] of plans.entries()) {
      results.push(
        await runDrill(
          { cluster, feed, grpcPort: roles.grpcPort, correlatorHttpPort: roles.correlatorHttpPort, log: say },
          plan,
          namespaces[i],
        ),
      );
    }
    const rss = roles.rss();
    for (const r of results) process.stdout.write(`${JSON.stringify({ drill: r })}\n`);
    if (rss) say(`RSS: ${ROLE_NAMES.map((r) => `${r} ${mib(rss[r])} MiB`).join(', ')}`);
    const n = results.length;
    const detect = results.map((r) => r.detectS ?? 120);
    const summary = {
      bench: 'drill',
      drills: n,
      ac1: Math.round((results.filter((r) => r.rank === 1).length / n) * 100) / 100,
      ac3: Math.round((results.filter((r) => r.rank !== null && r.rank <= 3).length / n) * 100) / 100,
      spurious_changes_per_hour: Math.round(quiet.perHour * 10) / 10,
      median_detect_s: Math.round(median(detect) * 10) / 10,
    };
    process.stdout.write(`${JSON.stringify(summary)}\n`);
  } finally {
    await feed?.stop();
    await roles?.stop();
    const kafka = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING });
    await deleteBenchTopics(
      kafka,
      ALL_TOPICS.map((t) => `${topicPrefix}.${t.name}`),
    ).catch(() => undefined);
    if (process.env.IA_DRILL_KEEP_CLUSTER !== '1') await cluster.stop();
    await broker.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(
    `[drill] failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
