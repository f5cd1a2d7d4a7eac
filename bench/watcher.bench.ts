/**
 * npm run bench:watcher — the watcher's hot path against a real Kafka broker (KAFKA_BROKERS, or the local
 * scripts/kafka broker of bench/lib/broker.ts):
 *
 * 1. Throughput: a child process serves a minimal kube-apiserver surface (discovery, an empty Deployment list,
 *    then one watch streaming BENCH_EVENTS MODIFIED events of realistic ~4 KiB Deployments as fast as the client
 *    reads), so the server's CPU is not in the agent's process. The WatcherAgent in this process parses, redacts,
 *    wraps, keys and publishes them (idempotent acks=all, as in production). Measured: object events published
 *    and acknowledged per second, from agent.start() to the last ack. Beside it, in the same run, the raw kafkajs
 *    produce baseline (bench/lib/baseline.ts measureProduce: same record count and value size, batches of
 *    BENCH_BASELINE_BATCH) and the ratio of the medians (target >= 0.5).
 * 2. Memory: a separate child process runs an agent that lists and then tracks BENCH_RSS_OBJECTS (150,000)
 *    Deployments (~4 KiB each, pages of 500) and publishes their SYNC snapshot; reported: its RSS once everything
 *    is published and the process has settled (target <= 300 MiB), and the peak RSS seen during the list.
 *
 * Every run is printed; medians over BENCH_RUNS (3) runs. Last stdout line: {"bench":"watcher","ratio":R,"rss_mib_150k":M}.
 * Logs go to stderr. Knobs: BENCH_EVENTS (30000), BENCH_RUNS (3), BENCH_RSS_OBJECTS (150000), BENCH_RSS_RUNS (1),
 * BENCH_BASELINE_BATCH (1000), BENCH_OBJECT_BYTES (4096); the agent's BENCH_BUFFER_CAPACITY, BENCH_BUFFER_BYTES
 * and BENCH_PAGE_SIZE (its defaults when unset).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { TOPICS } from '#contracts';
import { KafkaConnectionSchema, KafkaEventLog, type LogRecord } from '#kafka';
import { SecretRedactor } from '#kube';
import { WatcherAgent } from '#watcher';
import {
  benchKafka,
  createBenchTopic,
  deleteBenchTopics,
  makeChangeMessages,
  measureProduce,
} from './lib/baseline.js';
import { ensureBroker } from './lib/broker.js';
import { fmt, median, perSecond } from './lib/stats.js';

const num = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v ? Number(v) : fallback;
};

const optional = (name: string): number | undefined =>
  process.env[name] ? Number(process.env[name]) : undefined;

const EVENTS = num('BENCH_EVENTS', 30_000);
const RUNS = num('BENCH_RUNS', 3);
const RSS_OBJECTS = num('BENCH_RSS_OBJECTS', 150_000);
const RSS_RUNS = num('BENCH_RSS_RUNS', 1);
const BASELINE_BATCH = num('BENCH_BASELINE_BATCH', 1000);
const OBJECT_BYTES = num('BENCH_OBJECT_BYTES', 4096);
const NAMES = 5_000; // distinct Deployments the watch stream cycles through
const SELF = fileURLToPath(import.meta.url);
const TOPIC_SPECS = [TOPICS.rawEvents, TOPICS.deadLetter];

// ------------------------------------------------------------------------------------------ realistic objects

/**
 * A ~OBJECT_BYTES Deployment as kube-apiserver returns it (managedFields, last-applied annotation, status),
 * as a template: `render(i, rv)` costs a few string concatenations, so the server child stays cheap.
 */
function deploymentTemplate(): (i: number, rv: number) => string {
  const name = '@@NAME@@';
  const rvMark = '@@RV@@';
  const container = (n: number) => ({
    name: `${name}-c${n}`,
    image: `registry.example.com/team/${name}:1.4.${n}`,
    ports: [{ containerPort: 8080 + n, name: `http-${n}`, protocol: 'TCP' }],
    env: [
      { name: 'LOG_LEVEL', value: 'info' },
      { name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
    ],
    resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
    readinessProbe: { httpGet: { path: '/readyz', port: 8080 + n, scheme: 'HTTP' }, periodSeconds: 10 },
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  });
  const object = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name,
      namespace: 'team-a',
      uid: `6f1d2c3b-0000-4000-8000-${name}`,
      resourceVersion: rvMark,
      generation: 7,
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels: { app: name, tier: 'backend', 'app.kubernetes.io/part-of': 'shop' },
      annotations: {
        'deployment.kubernetes.io/revision': '7',
        'kubectl.kubernetes.io/last-applied-configuration': '',
      },
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'apps/v1',
          time: '2025-01-01T00:00:00Z',
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } },
            'f:spec': { 'f:replicas': {} },
          },
        },
      ],
    },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      template: {
        metadata: { labels: { app: name, tier: 'backend' } },
        spec: {
          containers: [container(0), container(1)],
          restartPolicy: 'Always',
          dnsPolicy: 'ClusterFirst',
        },
      },
    },
    status: {
      observedGeneration: 7,
      replicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      conditions: [
        {
          type: 'Available',
          status: 'True',
          reason: 'MinimumReplicasAvailable',
          lastUpdateTime: '2025-01-01T00:00:00Z',
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          lastUpdateTime: '2025-01-01T00:00:00Z',
        },
      ],
    },
  };
  const sized = (pad: string) => {
    object.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'] = pad;
    return JSON.stringify(object);
  };
  const probe = sized('');
  // Placeholders are longer than what replaces them (`dep-00001`, `1000001`): budget the difference.
  const shrink = (probe.split(name).length - 1) * (name.length - 9) + (rvMark.length - 7);
  const json = sized('x'.repeat(Math.max(0, OBJECT_BYTES - probe.length + shrink)));
  const parts = json.split(/(@@NAME@@|@@RV@@)/);
  return (i, rv) => {
    const n = `dep-${String(i).padStart(5, '0')}`;
    const r = String(rv);
    let out = '';
    for (const p of parts) out += p === name ? n : p === rvMark ? r : p;
    return out;
  };
}

// ------------------------------------------------------------------------------------------ child: API server

async function serveChild(): Promise<void> {
  const listObjects = num('BENCH_SERVE_LIST', 0);
  const watchEvents = num('BENCH_SERVE_WATCH', 0);
  const render = deploymentTemplate();
  const listRv = 1_000_000;
  let rv = listRv;
  let streamed = false;
  const json = (res: ServerResponse, body: unknown) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const q = url.searchParams;
    switch (url.pathname) {
      case '/api':
        return json(res, { kind: 'APIVersions', versions: ['v1'] });
      case '/api/v1':
        return json(res, { kind: 'APIResourceList', groupVersion: 'v1', resources: [] });
      case '/apis':
        return json(res, {
          kind: 'APIGroupList',
          groups: [
            {
              name: 'apps',
              versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
              preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
            },
          ],
        });
      case '/apis/apps/v1':
        return json(res, {
          kind: 'APIResourceList',
          groupVersion: 'apps/v1',
          resources: [
            { name: 'deployments', namespaced: true, kind: 'Deployment', verbs: ['get', 'list', 'watch'] },
          ],
        });
      case '/apis/apps/v1/deployments':
        break;
      default:
        res.writeHead(404).end();
        return;
    }
    if (q.get('watch') === '1' || q.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.flushHeaders();
      if (streamed) return; // a re-watch gets a quiet stream: every event is sent once
      streamed = true;
      let i = 0;
      const pump = () => {
        while (i < watchEvents) {
          let chunk = '';
          for (let k = 0; k < 16 && i < watchEvents; k++, i++)
            chunk += `{"type":"MODIFIED","object":${render(i % NAMES, ++rv)}}\n`;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
      return;
    }
    const limit = Number(q.get('limit') ?? listObjects) || listObjects;
    const offset = Number(q.get('continue') ?? 0);
    const end = Math.min(listObjects, offset + limit);
    const items: string[] = [];
    for (let i = offset; i < end; i++) items.push(render(i, listRv - listObjects + i));
    const cont = end < listObjects ? `,"continue":"${end}","remainingItemCount":${listObjects - end}` : '';
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      `{"apiVersion":"apps/v1","kind":"DeploymentList","metadata":{"resourceVersion":"${listRv}"${cont}},"items":[${items.join(',')}]}`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  process.stdout.write(JSON.stringify({ port: (server.address() as AddressInfo).port }) + '\n');
}

// ------------------------------------------------------------------------------------------ shared helpers

/** A KafkaEventLog that counts acknowledged object records (not markers) on the raw-events topic. */
class CountingEventLog extends KafkaEventLog {
  objects = 0;
  valueBytes = 0;
  private waiter?: { target: number; resolve: () => void };

  override async publish(topic: string, records: readonly LogRecord[]): Promise<void> {
    await super.publish(topic, records);
    if (topic !== TOPICS.rawEvents.name) return;
    for (const r of records) {
      if (r.partition !== undefined) continue;
      this.objects++;
      this.valueBytes += typeof r.value === 'string' ? Buffer.byteLength(r.value) : (r.value?.length ?? 0);
    }
    if (this.waiter && this.objects >= this.waiter.target) this.waiter.resolve();
  }

  reached(target: number): Promise<void> {
    if (this.objects >= target) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = { target, resolve }));
  }
}

function kubeConfigFor(url: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'bench', server: url, skipTLSVerify: true }],
    users: [{ name: 'bench', token: 'bench' }],
    contexts: [{ name: 'bench', cluster: 'bench', user: 'bench' }],
    currentContext: 'bench',
  });
  return kc;
}

function agentFor(url: string, log: KafkaEventLog): WatcherAgent {
  return new WatcherAgent({
    cluster: 'bench',
    kubeConfig: kubeConfigFor(url),
    log,
    redactor: new SecretRedactor({ hmacKey: 'bench-hmac-key-0123456789' }),
    filter: { includeKinds: ['Deployment'] },
    rediscoveryMs: 600_000,
    bufferCapacity: optional('BENCH_BUFFER_CAPACITY'),
    bufferBytes: optional('BENCH_BUFFER_BYTES'),
    pageSize: optional('BENCH_PAGE_SIZE'),
  });
}

function newLog(brokers: string[], prefix: string): CountingEventLog {
  return new CountingEventLog(KafkaConnectionSchema.parse({ brokers, namespacePrefix: prefix + '.' }));
}

/** Starts this file in a child process in `mode`; resolves with the child and its first stdout JSON line. */
async function child<T>(
  mode: string,
  nodeArgs: string[],
  env: Record<string, string>,
): Promise<{ proc: ChildProcess; first: T; rest: Promise<string> }> {
  const proc = spawn(process.execPath, [...process.execArgv, ...nodeArgs, SELF, mode], {
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  let resolveFirst!: (v: T) => void;
  let rejectFirst!: (e: Error) => void;
  const first = new Promise<T>((res, rej) => ((resolveFirst = res), (rejectFirst = rej)));
  const rest = new Promise<string>((resolve, reject) => {
    proc.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf('\n');
      if (nl >= 0) resolveFirst(JSON.parse(out.slice(0, nl)) as T);
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      rejectFirst(new Error(`child ${mode} exited (${code}) before answering`));
      if (code === 0) resolve(out);
      else reject(new Error(`child ${mode} exited with code ${code}`));
    });
  });
  rest.catch(() => undefined);
  return { proc, first: await first, rest };
}

async function dropTopics(brokers: string[], prefix: string): Promise<void> {
  await deleteBenchTopics(
    benchKafka(brokers),
    TOPIC_SPECS.map((t) => `${prefix}.${t.name}`),
  ).catch(() => undefined);
}

const benchPrefix = (what: string) =>
  `ia-bench-watcher-${what}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

// ------------------------------------------------------------------------------------------ child: agent RSS

async function rssChild(): Promise<void> {
  const [url, brokers, prefix] = [
    process.env.BENCH_URL!,
    process.env.BENCH_BROKERS!.split(','),
    process.env.BENCH_PREFIX!,
  ];
  const objects = num('BENCH_RSS_OBJECTS', RSS_OBJECTS);
  const log = newLog(brokers, prefix);
  const agent = agentFor(url, log);
  let peak = 0;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 50);
  const t0 = performance.now();
  await agent.start();
  await log.reached(objects);
  while (!agent.readiness().ready) await new Promise((r) => setTimeout(r, 50));
  const syncMs = performance.now() - t0;
  // Settle: the list's garbage is collectable now; let the agent idle on its watch as it would in production.
  await new Promise((r) => setTimeout(r, 3_000));
  const idle = process.memoryUsage();
  peak = Math.max(peak, idle.rss);
  clearInterval(sample);
  // An idle process does not collect: what stays after a full GC is what the agent really holds.
  (globalThis as { gc?: () => void }).gc?.();
  await new Promise((r) => setTimeout(r, 1_000));
  const mem = process.memoryUsage();
  const result = {
    tracked: agent.trackedObjects(),
    rssMiB: mem.rss / 2 ** 20,
    idleRssMiB: idle.rss / 2 ** 20,
    peakRssMiB: peak / 2 ** 20,
    heapUsedMiB: mem.heapUsed / 2 ** 20,
    heapTotalMiB: mem.heapTotal / 2 ** 20,
    externalMiB: mem.external / 2 ** 20,
    arrayBuffersMiB: mem.arrayBuffers / 2 ** 20,
    syncMs,
  };
  await agent.stop();
  await log.close();
  process.stdout.write(JSON.stringify(result) + '\n');
}

// ------------------------------------------------------------------------------------------ parent

interface WatcherRun {
  eventsPerSec: number;
  ms: number;
  avgValueBytes: number;
}

async function watcherRun(brokers: string[]): Promise<WatcherRun> {
  const server = await child<{ port: number }>('--serve', [], { BENCH_SERVE_WATCH: String(EVENTS) });
  const prefix = benchPrefix('tp');
  const log = newLog(brokers, prefix);
  try {
    await log.ensureTopics(TOPIC_SPECS);
    await log.partitionCount(TOPICS.rawEvents.name); // admin connected before the clock starts
    const agent = agentFor(`http://127.0.0.1:${server.first.port}`, log);
    const t0 = performance.now();
    await agent.start();
    await log.reached(EVENTS);
    const ms = performance.now() - t0;
    await agent.stop();
    return { eventsPerSec: perSecond(EVENTS, ms), ms, avgValueBytes: log.valueBytes / log.objects };
  } finally {
    server.proc.kill('SIGTERM');
    await log.close();
    await dropTopics(brokers, prefix);
  }
}

async function baselineRun(
  brokers: string[],
  valueBytes: number,
): Promise<{ msgsPerSec: number; ms: number }> {
  const kafka = benchKafka(brokers);
  const topic = `${benchPrefix('baseline')}.produce`;
  // A busy shared broker sometimes answers the leader check with UNKNOWN_TOPIC_OR_PARTITION: ask again.
  for (let attempt = 1; ; attempt++) {
    try {
      await createBenchTopic(kafka, topic, TOPICS.rawEvents.partitions);
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 1_000 * attempt));
    }
  }
  try {
    const r = await measureProduce(kafka, topic, makeChangeMessages(EVENTS, valueBytes), {
      batchSize: BASELINE_BATCH,
    });
    return { msgsPerSec: r.msgsPerSec, ms: r.ms };
  } finally {
    await deleteBenchTopics(kafka, [topic]).catch(() => undefined);
  }
}

async function rssRun(brokers: string[]) {
  const server = await child<{ port: number }>('--serve', [], { BENCH_SERVE_LIST: String(RSS_OBJECTS) });
  const prefix = benchPrefix('rss');
  const log = newLog(brokers, prefix);
  try {
    await log.ensureTopics(TOPIC_SPECS);
    const agent = await child<{
      idleRssMiB: number;
      tracked: number;
      rssMiB: number;
      peakRssMiB: number;
      heapUsedMiB: number;
      heapTotalMiB: number;
      externalMiB: number;
      arrayBuffersMiB: number;
      syncMs: number;
    }>('--agent-rss', ['--expose-gc'], {
      BENCH_URL: `http://127.0.0.1:${server.first.port}`,
      BENCH_BROKERS: brokers.join(','),
      BENCH_PREFIX: prefix,
      BENCH_RSS_OBJECTS: String(RSS_OBJECTS),
    });
    await agent.rest;
    return agent.first;
  } finally {
    server.proc.kill('SIGTERM');
    await log.close();
    await dropTopics(brokers, prefix);
  }
}

async function main(): Promise<void> {
  const broker = await ensureBroker();
  try {
    console.log(
      `watcher bench: broker ${broker.brokers.join(',')}, ${fmt(EVENTS)} watch events of ~${fmt(OBJECT_BYTES)} B ` +
        `Deployments per run (API server in a child process), ${RUNS} runs; baseline: raw kafkajs produce of the ` +
        `same count and value size, batches of ${BASELINE_BATCH}, idempotent acks=all`,
    );
    const watcher: WatcherRun[] = [];
    const baseline: Array<{ msgsPerSec: number; ms: number }> = [];
    for (let run = 0; run < RUNS; run++) {
      const w = await watcherRun(broker.brokers);
      watcher.push(w);
      const b = await baselineRun(broker.brokers, Math.round(w.avgValueBytes));
      baseline.push(b);
      console.log(
        `run ${run + 1}  watcher ${fmt(w.eventsPerSec).padStart(7)} ev/s (${fmt(w.ms)} ms, records ~${fmt(w.avgValueBytes)} B)` +
          `  kafkajs ${fmt(b.msgsPerSec).padStart(7)} msg/s (${fmt(b.ms)} ms)  ratio ${(w.eventsPerSec / b.msgsPerSec).toFixed(2)}`,
      );
    }
    const mw = median(watcher.map((w) => w.eventsPerSec));
    const mb = median(baseline.map((b) => b.msgsPerSec));
    const ratio = mw / mb;
    console.log(
      `median   watcher ${fmt(mw)} ev/s  kafkajs ${fmt(mb)} msg/s  ratio ${ratio.toFixed(2)} (target >= 0.5)`,
    );

    const rss: number[] = [];
    for (let run = 0; run < RSS_RUNS; run++) {
      const r = await rssRun(broker.brokers);
      rss.push(r.rssMiB);
      console.log(
        `rss run ${run + 1}  agent tracking ${fmt(r.tracked)} objects: rss ${fmt(r.rssMiB)} MiB after a full GC ` +
          `(${fmt(r.idleRssMiB)} MiB idle before it, peak ${fmt(r.peakRssMiB)} MiB during the list, ` +
          `heap used ${fmt(r.heapUsedMiB)} of ${fmt(r.heapTotalMiB)} MiB, external ${fmt(r.externalMiB)} MiB, array buffers ${fmt(r.arrayBuffersMiB)} MiB), ` +
          `listed and published in ${fmt(r.syncMs)} ms (target rss <= 300 MiB)`,
      );
    }
    const rssMedian = median(rss);
    await broker.stop();
    console.log(
      JSON.stringify({
        bench: 'watcher',
        ratio: Number(ratio.toFixed(3)),
        rss_mib_150k: Number(rssMedian.toFixed(1)),
      }),
    );
  } finally {
    await broker.stop();
  }
}

const mode = process.argv[2];
const entry = mode === '--serve' ? serveChild : mode === '--agent-rss' ? rssChild : main;
entry().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
