/**
 * The watcher end to end against a REAL kube-apiserver v1.32 + etcd (scripts/kube-apiserver) and a real Kafka
 * broker (the e2e global setup): what kubectl does to the cluster must reach ia.raw-events.v1 as the right raw
 * events (keys, types, order), CRDs registered at run time are discovered and watched, an API server restart
 * and a 410 Gone after etcd compaction lose nothing and duplicate nothing, and Secret values never leave.
 *
 * The suite starts its own instance on IA_WATCHER_KUBE_PORT (default 17100), building the binaries first when
 * they are missing (~5 min on 2 cores; the hook allows 15), and stops it afterwards (an instance that was
 * already running on that port is reused and left running). IA_SKIP_REAL_APISERVER=1 skips it.
 *
 * The agent reaches the API server through a TCP proxy (TcpCutProxy) so a test can take the agent offline while
 * the cluster keeps changing, which is how the 410 test makes its changes fall between the last resourceVersion
 * the agent saw and the compaction.
 *
 * `kubectl apply --dry-run=server -k k8s/` against this server lives in test/deploy/manifests.e2e.ts.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_TOPICS,
  CE_TYPES,
  decodeMessage,
  objectKey,
  RawLifecycleEventSchema,
  snapshotMarkerKey,
  TOPICS,
  type RawLifecycleEvent,
  type RawObjectEvent,
  type SnapshotMarker,
} from '#contracts';
import {
  KafkaConnectionSchema,
  KafkaEventLog,
  partitionForKey,
  type ConsumedRecord,
  type ConsumerHandle,
} from '#kafka';
import { HASH_PREFIX, SecretRedactor } from '#kube';
import { WatcherAgent } from '#watcher';
import { kafkaBrokers, uniqueTopicPrefix } from './support/kafka.js';
import {
  realApiserverSkipReason,
  startKubeApiserver,
  TcpCutProxy,
  type KubeApiserver,
} from './support/kube-apiserver.js';

const SKIP = realApiserverSkipReason();
if (SKIP) console.warn(`[watcher-real-apiserver] SKIPPING the real API server suite: ${SKIP}`);

const PORT = process.env.IA_WATCHER_KUBE_PORT ?? '17100';
const RUN = randomBytes(3).toString('hex');
const CM = { group: '', version: 'v1', kind: 'ConfigMap', resource: 'configmaps', namespaced: true };

interface Seen {
  r: ConsumedRecord;
  e: RawLifecycleEvent;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

const isObj = (e: RawLifecycleEvent): e is RawObjectEvent => 'ref' in e;
const isMarker = (e: RawLifecycleEvent): e is SnapshotMarker => !('ref' in e);

describe.skipIf(!!SKIP)('watcher against a real kube-apiserver (scripts/kube-apiserver)', () => {
  let kube: KubeApiserver;
  let proxy: TcpCutProxy;
  let log: KafkaEventLog;
  let consumer: ConsumerHandle;
  /** Every raw-events record of this run, in arrival order (per partition: offset order). */
  const seen: Seen[] = [];
  const agents: WatcherAgent[] = [];

  beforeAll(async () => {
    const t0 = performance.now();
    kube = await startKubeApiserver({ port: PORT, timeoutMs: 900_000 });
    console.log(
      `[watcher-real-apiserver] kube-apiserver on :${PORT} ${kube.startedHere ? 'started' : 'reused'}` +
        `${kube.built ? ' (binaries built first)' : ''} in ${Math.round(performance.now() - t0)} ms`,
    );
    proxy = await TcpCutProxy.start(Number(PORT));
    log = new KafkaEventLog(
      KafkaConnectionSchema.parse({
        brokers: kafkaBrokers(),
        namespacePrefix: uniqueTopicPrefix('watcher-real') + '.',
      }),
    );
    await log.ensureTopics(ALL_TOPICS);
    consumer = await log.consume({
      groupId: 'collector',
      topics: [TOPICS.rawEvents.name],
      handler: {
        handle: async (r) => {
          seen.push({ r, e: decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, r.value) });
        },
      },
    });
    await consumer.ready();
  }, 900_000);

  afterAll(async () => {
    await Promise.all(agents.map((a) => a.stop().catch(() => undefined)));
    await consumer?.stop().catch(() => undefined);
    await log?.close().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    await kube?.stop();
  }, 180_000);

  // Each test runs its own agent; stop it so the next test's restarts and outages only concern its own.
  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.stop()));
  }, 60_000);

  // ---- helpers ------------------------------------------------------------------------------------------------

  function namespace(label: string): string {
    const ns = `ia-${label}-${RUN}`;
    kube.kubectl(['create', 'namespace', ns]);
    return ns;
  }

  async function startAgent(cluster: string, ns: string, kinds: string[]): Promise<WatcherAgent> {
    const agent = new WatcherAgent({
      cluster,
      kubeConfig: proxy.kubeConfigThrough(kube.kubeConfig()),
      log,
      redactor: new SecretRedactor({ hmacKey: 'real-e2e-key-0123456789' }),
      filter: { includeKinds: kinds, includeNamespaces: [ns] },
      rediscoveryMs: 1_000,
      backoff: { initialMs: 50, maxMs: 1_000 },
    });
    agents.push(agent);
    await agent.start();
    await until('the agent to be ready', () => agent.readiness().ready, 60_000);
    return agent;
  }

  const ofCluster = (cluster: string) => seen.filter((s) => s.e.cluster === cluster);

  /** Object events of one object, in partition (= publish) order, as `TYPE@rv`. */
  function history(cluster: string, name: string, kind = 'ConfigMap'): string[] {
    return ofCluster(cluster)
      .filter((s) => isObj(s.e) && s.e.ref.name === name && s.e.ref.kind === kind)
      .sort((a, b) => Number(a.r.offset) - Number(b.r.offset))
      .map((s) => `${s.e.type}@${(s.e as RawObjectEvent).resourceVersion}`);
  }

  /**
   * Snapshots of one resource: `starts` begun (in any partition), `ends` complete (END consumed from every
   * partition; markers are copied to all of them and partitions are consumed independently).
   */
  function snapshots(cluster: string, kind = 'ConfigMap'): { starts: number; ends: number } {
    const markers = ofCluster(cluster).filter((s) => isMarker(s.e) && s.e.resource.kind === kind);
    const count = (type: string, p: number) =>
      markers.filter((s) => s.e.type === type && s.r.partition === p).length;
    const partitions = Array.from({ length: TOPICS.rawEvents.partitions }, (_, p) => p);
    return {
      starts: Math.max(...partitions.map((p) => count('SNAPSHOT_START', p))),
      ends: Math.min(...partitions.map((p) => count('SNAPSHOT_END', p))),
    };
  }

  const rvOf = (out: string) => out.trim();
  const kubectlRv = (args: string[], input?: string) =>
    rvOf(kube.kubectl([...args, '-o', 'jsonpath={.metadata.resourceVersion}'], { input }).stdout);

  // ---- tests --------------------------------------------------------------------------------------------------

  it('publishes what kubectl creates, changes and deletes as keyed, ordered raw events', async () => {
    const ns = namespace('basic');
    const cluster = `real-basic-${RUN}`;
    const pre = kubectlRv(['-n', ns, 'create', 'configmap', 'pre', '--from-literal=v=0']);

    await startAgent(cluster, ns, ['ConfigMap']);
    await until('the first snapshot', () => snapshots(cluster).ends === 1);

    const a1 = kubectlRv(['-n', ns, 'create', 'configmap', 'a', '--from-literal=v=1']);
    const a2 = kubectlRv(['-n', ns, 'patch', 'configmap', 'a', '--type=merge', '-p', '{"data":{"v":"2"}}']);
    // `kubectl label -o` prints the object as it was before the change: read the new resourceVersion back.
    kube.kubectl(['-n', ns, 'label', 'configmap', 'a', 'tier=web']);
    const a3 = kubectlRv(['-n', ns, 'get', 'configmap', 'a']);
    const manifest = (v: string) =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'b', namespace: ns },
        data: { v },
      });
    const b1 = kubectlRv(['apply', '-f', '-'], manifest('1'));
    const b2 = kubectlRv(['apply', '-f', '-'], manifest('2'));
    kube.kubectl(['-n', ns, 'delete', 'configmap', 'a']);
    kube.kubectl(['-n', ns, 'delete', 'configmap', 'pre']);

    await until(
      'all events',
      () =>
        history(cluster, 'a').length === 4 &&
        history(cluster, 'b').length === 2 &&
        history(cluster, 'pre').length === 2 &&
        snapshots(cluster).ends === 1,
    );
    await sleep(500); // anything extra (a duplicate) would arrive now

    expect(history(cluster, 'pre')).toEqual([`SYNC@${pre}`, expect.stringMatching(/^DELETED@\d+$/)]);
    expect(history(cluster, 'a')).toEqual([
      `ADDED@${a1}`,
      `MODIFIED@${a2}`,
      `MODIFIED@${a3}`,
      expect.stringMatching(/^DELETED@\d+$/),
    ]);
    expect(history(cluster, 'b')).toEqual([`ADDED@${b1}`, `MODIFIED@${b2}`]);
    const deletedRv = Number(history(cluster, 'a')[3].split('@')[1]);
    expect(deletedRv).toBeGreaterThan(Number(a3));

    const objects = ofCluster(cluster).filter((s) => isObj(s.e)) as Array<{
      r: ConsumedRecord;
      e: RawObjectEvent;
    }>;
    for (const { r, e } of objects) {
      expect(e.ref).toMatchObject({ cluster, group: '', version: 'v1', kind: 'ConfigMap', namespace: ns });
      expect(r.key).toBe(objectKey(e.ref));
      expect(r.partition).toBe(partitionForKey(TOPICS.rawEvents.name, r.key!, TOPICS.rawEvents.partitions));
      expect(r.headers).toMatchObject({
        ce_type: CE_TYPES.rawEvent,
        ce_id: e.eventId,
        ce_source: `watcher/${cluster}`,
      });
      expect(e.object).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: e.ref.name } });
    }
    const last = (name: string, type: string) =>
      objects.filter((o) => o.e.ref.name === name && o.e.type === type).at(-1)!.e.object;
    expect(last('a', 'MODIFIED')).toMatchObject({ data: { v: '2' }, metadata: { labels: { tier: 'web' } } });
    expect(last('b', 'MODIFIED')).toMatchObject({ data: { v: '2' } });
    // The initial list's markers: one pair per partition, with the SYNC between them.
    const markers = ofCluster(cluster).filter((s) => isMarker(s.e));
    expect(markers).toHaveLength(2 * TOPICS.rawEvents.partitions);
    for (const m of markers) expect(m.r.key).toBe(snapshotMarkerKey(cluster, CM));
    expect(markers.find((m) => m.e.type === 'SNAPSHOT_END')!.e).toMatchObject({ objectCount: 1 });
  });

  it('discovers a CRD registered at run time and publishes its custom objects', async () => {
    const ns = namespace('crd');
    const cluster = `real-crd-${RUN}`;
    const group = `w${RUN}.ia-test.example.com`;
    const agent = await startAgent(cluster, ns, ['ConfigMap', 'Widget']);
    expect(agent.watchedResources()).toEqual(['core/v1/configmaps']);

    kube.kubectl(['apply', '-f', '-'], { input: JSON.stringify(widgetCrd(group)) });
    kube.kubectl(['wait', '--for=condition=Established', '--timeout=60s', `crd/widgets.${group}`]);
    await until(
      'the agent to watch widgets',
      () => agent.watchedResources().includes(`${group}/v1/widgets`),
      30_000,
    );
    await until(
      'widgets to be listed',
      () => agent.readiness().ready && snapshots(cluster, 'Widget').ends === 1,
    );

    const widget = (size: number) =>
      JSON.stringify({
        apiVersion: `${group}/v1`,
        kind: 'Widget',
        metadata: { name: 'w1', namespace: ns },
        spec: { size },
      });
    const w1 = kubectlRv(['create', '-f', '-'], widget(1));
    const w2 = kubectlRv([
      '-n',
      ns,
      'patch',
      `widgets.${group}`,
      'w1',
      '--type=merge',
      '-p',
      '{"spec":{"size":2}}',
    ]);
    kube.kubectl(['-n', ns, 'delete', `widgets.${group}`, 'w1']);

    await until('widget events', () => history(cluster, 'w1', 'Widget').length === 3);
    expect(history(cluster, 'w1', 'Widget')).toEqual([
      `ADDED@${w1}`,
      `MODIFIED@${w2}`,
      expect.stringMatching(/^DELETED@\d+$/),
    ]);
    const events = ofCluster(cluster).filter((s) => isObj(s.e) && s.e.ref.kind === 'Widget') as Array<{
      r: ConsumedRecord;
      e: RawObjectEvent;
    }>;
    for (const { r, e } of events) {
      expect(e.ref).toMatchObject({
        group,
        version: 'v1',
        kind: 'Widget',
        resource: 'widgets',
        namespace: ns,
        name: 'w1',
      });
      expect(r.key).toBe(`${cluster}/${group}/Widget/${ns}/w1`);
    }
    expect(events[1].e.object).toMatchObject({ spec: { size: 2 } });
    kube.kubectl(['delete', `crd/widgets.${group}`, '--wait=false']);
  });

  it('resumes after the API server restarts mid-stream: nothing lost, nothing published twice', async () => {
    const ns = namespace('restart');
    const cluster = `real-restart-${RUN}`;
    const names = Array.from({ length: 10 }, (_, i) => `cm-${i}`);
    const written = new Map<string, string[]>(names.map((n) => [n, []]));
    for (const n of names)
      written.get(n)!.push(kubectlRv(['-n', ns, 'create', 'configmap', n, '--from-literal=seq=0']));
    await startAgent(cluster, ns, ['ConfigMap']);

    // A writer that keeps changing the objects (one PATCH every ~20 ms, round robin), retrying through the outage.
    let writing = true;
    let seq = 0;
    let failedWrites = 0;
    const writer = (async () => {
      while (writing) {
        const name = names[seq % names.length];
        try {
          const o = await kube.request<{ metadata: { resourceVersion: string } }>(
            'PATCH',
            `/api/v1/namespaces/${ns}/configmaps/${name}`,
            { data: { seq: String(seq + 1) } },
            'application/merge-patch+json',
          );
          written.get(name)!.push(o.metadata.resourceVersion);
          seq++;
          await sleep(20);
        } catch {
          failedWrites++; // the API server is down (or closed the connection): try the same write again
          await sleep(100);
        }
      }
    })();
    await sleep(2_000);
    const restart = await kube.restartApiserver();
    await sleep(3_000);
    writing = false;
    await writer;
    console.log(
      `[watcher-real-apiserver] restart took ${Math.round(restart.ms)} ms; ${seq} writes, ${failedWrites} failed attempts`,
    );
    expect(failedWrites).toBeGreaterThan(0); // the outage really happened while writing

    const finalRv = new Map(
      (
        await kube.request<{ items: Array<{ metadata: { name: string; resourceVersion: string } }> }>(
          'GET',
          `/api/v1/namespaces/${ns}/configmaps`,
        )
      ).items.map((o) => [o.metadata.name, o.metadata.resourceVersion]),
    );
    await until(
      'every object at its final resourceVersion',
      () => names.every((n) => history(cluster, n).some((h) => h.endsWith(`@${finalRv.get(n)}`))),
      60_000,
    );
    await sleep(1_000);

    const { starts, ends } = snapshots(cluster);
    // Whether the resumed watch was accepted depends on etcd's revision at the restart: the new watch cache
    // starts there and answers 410 to anything older (then the agent relists); both paths must lose nothing.
    console.log(
      `[watcher-real-apiserver] after the restart the agent ${starts > 1 ? 'relisted (410 Gone)' : 'resumed its watch'}` +
        ` (${starts} snapshots started, ${ends} ended)`,
    );
    for (const n of names) {
      const changes = history(cluster, n).filter((h) => !h.startsWith('SYNC@'));
      const rvs = changes.map((h) => Number(h.split('@')[1]));
      // No duplicates, in order.
      expect(new Set(changes).size, `${n}: ${changes.join(' ')}`).toBe(changes.length);
      expect(
        [...rvs].sort((x, y) => x - y),
        n,
      ).toEqual(rvs);
      // Nothing lost: every write (after the initial one, which the first list covered) was published, once.
      const expected = written.get(n)!.slice(1);
      const missing = expected.filter((rv) => !changes.some((h) => h.endsWith(`@${rv}`)));
      expect(missing, `${n}: ${changes.join(' ')}`).toEqual([]);
      expect(changes.at(-1)).toBe(`MODIFIED@${finalRv.get(n)}`);
    }
  });

  it('relists after 410 Gone (changes made offline, then etcd compacted) and reconciles exactly', async () => {
    const ns = namespace('gone');
    const cluster = `real-gone-${RUN}`;
    const keep = kubectlRv(['-n', ns, 'create', 'configmap', 'keep', '--from-literal=v=0']);
    kubectlRv(['-n', ns, 'create', 'configmap', 'mod', '--from-literal=v=0']);
    const del = kubectlRv(['-n', ns, 'create', 'configmap', 'del', '--from-literal=v=0']);
    await startAgent(cluster, ns, ['ConfigMap']);
    // A live change the agent sees: its last resourceVersion is now at least this one.
    const mod1 = kubectlRv([
      '-n',
      ns,
      'patch',
      'configmap',
      'mod',
      '--type=merge',
      '-p',
      '{"data":{"v":"1"}}',
    ]);
    await until('the live change', () => history(cluster, 'mod').includes(`MODIFIED@${mod1}`));
    // Records of different partitions arrive in any order: tell "after the outage" by the agent's clock.
    const cutAt = Date.now();

    // Offline: the agent cannot reach the API server; the cluster changes; etcd forgets the history.
    proxy.cut();
    const add = kubectlRv(['-n', ns, 'create', 'configmap', 'add', '--from-literal=v=new']);
    kubectlRv(['-n', ns, 'patch', 'configmap', 'mod', '--type=merge', '-p', '{"data":{"v":"2"}}']);
    const mod3 = kubectlRv([
      '-n',
      ns,
      'patch',
      'configmap',
      'mod',
      '--type=merge',
      '-p',
      '{"data":{"v":"3"}}',
    ]);
    kube.kubectl(['-n', ns, 'delete', 'configmap', 'del']);
    const compactedTo = await kube.compact();
    expect(compactedTo).toBeGreaterThan(Number(mod3));
    // The watch cache would still serve the history; a restart leaves only etcd, which compacted it.
    await kube.restartApiserver();
    proxy.restore();

    await until('the relist snapshot', () => snapshots(cluster).ends === 2, 60_000);
    await sleep(1_000);
    const after = ofCluster(cluster).filter((s) => Date.parse(s.e.observedAt) >= cutAt);
    const changes = after
      .filter((s) => isObj(s.e) && s.e.type !== 'SYNC')
      .map(
        (s) => `${(s.e as RawObjectEvent).ref.name}:${s.e.type}@${(s.e as RawObjectEvent).resourceVersion}`,
      )
      .sort();
    expect(changes).toEqual([`add:ADDED@${add}`, `del:DELETED@${del}`, `mod:MODIFIED@${mod3}`]);
    const syncs = after
      .filter((s) => isObj(s.e) && s.e.type === 'SYNC')
      .map((s) => `${(s.e as RawObjectEvent).ref.name}@${(s.e as RawObjectEvent).resourceVersion}`)
      .sort();
    expect(syncs).toEqual([`add@${add}`, `keep@${keep}`, `mod@${mod3}`]);
    // The DELETED of the vanished object carries what the index knew: identity and last resourceVersion.
    const deleted = after.find((s) => s.e.type === 'DELETED')!;
    expect((deleted.e as RawObjectEvent).object).toMatchObject({
      kind: 'ConfigMap',
      metadata: { name: 'del', namespace: ns },
    });
    // Per partition, every reconcile event sits inside the relist snapshot (between START and END).
    for (const s of after.filter((x) => isObj(x.e))) {
      const inPartition = after.filter((x) => x.r.partition === s.r.partition);
      const start = inPartition.findIndex((x) => x.e.type === 'SNAPSHOT_START');
      const end = inPartition.findIndex((x) => x.e.type === 'SNAPSHOT_END');
      const at = inPartition.indexOf(s);
      expect(start).toBeLessThan(at);
      expect(at).toBeLessThan(end);
    }
  });

  it('never publishes Secret values (kubectl create, apply with last-applied, patch)', async () => {
    const ns = namespace('secret');
    const cluster = `real-secret-${RUN}`;
    const v1 = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const v2 = `s3cr3t-${randomBytes(8).toString('hex')}`;
    const v3 = `s3cr3t-${randomBytes(8).toString('hex')}`;
    kube.kubectl(['-n', ns, 'create', 'secret', 'generic', 'pre', `--from-literal=password=${v1}`]);
    await startAgent(cluster, ns, ['Secret']);
    kube.kubectl(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'applied', namespace: ns },
        stringData: { token: v2 },
      }),
    });
    kube.kubectl([
      '-n',
      ns,
      'patch',
      'secret',
      'pre',
      '--type=merge',
      '-p',
      JSON.stringify({ data: { password: Buffer.from(v3).toString('base64') } }),
    ]);
    await until(
      'secret events',
      () =>
        history(cluster, 'pre', 'Secret').length === 2 && history(cluster, 'applied', 'Secret').length === 1,
    );
    await sleep(500);

    const events = ofCluster(cluster)
      .filter((s) => isObj(s.e))
      .map((s) => s.e as RawObjectEvent);
    const pre = events.filter((e) => e.ref.name === 'pre');
    const hashes = pre.map((e) => (e.object.data as Record<string, string>).password);
    for (const h of hashes) expect(h.startsWith(HASH_PREFIX)).toBe(true);
    expect(hashes[0]).not.toBe(hashes[1]); // a rotation still shows as a change
    const applied = events.find((e) => e.ref.name === 'applied')!;
    expect((applied.object.data as Record<string, string>).token.startsWith(HASH_PREFIX)).toBe(true);
    const annotations =
      (applied.object.metadata as { annotations?: Record<string, string> }).annotations ?? {};
    expect(annotations['kubectl.kubernetes.io/last-applied-configuration']).toMatch(
      new RegExp(`^${HASH_PREFIX}`),
    );

    // Grep every record of the whole run (all tests, all clusters), value, key and headers.
    const needles = [v1, v2, v3].flatMap((v) => [v, Buffer.from(v).toString('base64')]);
    const leaks: string[] = [];
    for (const { r } of seen) {
      const text = [r.key ?? '', r.value?.toString('utf8') ?? '', JSON.stringify(r.headers)].join('\n');
      for (const n of needles) if (text.includes(n)) leaks.push(`${r.key} @${r.partition}/${r.offset}`);
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(leaks).toEqual([]);
  });
});

function widgetCrd(group: string) {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `widgets.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
            },
          },
        },
      ],
    },
  };
}
