/**
 * The product on a live cluster (scripts/cluster: kube-apiserver, controller-manager, scheduler and KWOK's
 * simulated nodes) with the watcher, differ and correlator in this process against the real Kafka broker:
 *
 * - each kubectl verb reaches ia.changes.v1 exactly once, attributed to the manager that made it;
 * - a steady cluster (controllers, leases, EndpointSlices, KWOK's node heartbeats) yields no change event;
 * - a short incident drill: Online Boutique (running before the roles start), two routine changes, an image tag
 *   the registry does not have, and RankCauses for the front end ranks that change first.
 *
 * The suite starts its own cluster on IA_DRILL_E2E_KUBE_PORT (default 17300), building the binaries first when
 * they are missing (10-20 min on 2 cores), and stops it afterwards (a cluster already running on that port is
 * reused and left running). IA_SKIP_REAL_APISERVER=1 or IA_SKIP_LIVE_CLUSTER=1 skip it; so do a missing kubectl
 * or (with binaries not built) a missing Go toolchain. The full drills are `npm run drill`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '#contracts';
import { ChangeFeed, until } from '../bench/drill/change-feed.js';
import { measureQuiet, prepareDrill, runDrill, waitPipelineLive } from '../bench/drill/drill.js';
import { liveClusterSkipReason, startLiveCluster, type LiveCluster } from '../bench/drill/live-cluster.js';
import { bootstrapRoles, type Roles } from '../bench/drill/roles.js';
import { kafkaBrokers, uniqueTopicPrefix } from './support/kafka.js';

const SKIP =
  process.env.IA_SKIP_REAL_APISERVER === '1' ? 'IA_SKIP_REAL_APISERVER=1 is set' : liveClusterSkipReason();
if (SKIP) console.warn(`[drill] SKIPPING the live cluster suite: ${SKIP}`);

const PORT = process.env.IA_DRILL_E2E_KUBE_PORT ?? '17300';
const RUN = randomBytes(3).toString('hex');
const DRILL_NS = `ia-drill-${RUN}`;
const log = (line: string) => console.log(`[drill] ${line}`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!!SKIP)('the product on a live cluster (scripts/cluster + KWOK)', () => {
  let cluster: LiveCluster;
  let roles: Roles;
  let feed: ChangeFeed;

  beforeAll(async () => {
    const t0 = performance.now();
    cluster = await startLiveCluster({ port: PORT, nodes: 3 });
    log(
      `cluster on :${PORT} ${cluster.startedHere ? 'started' : 'reused'}${cluster.built ? ' (binaries built first)' : ''}` +
        ` in ${Math.round(performance.now() - t0)} ms`,
    );
    // The drill's application runs before the roles start, as on a production cluster (see prepareDrill).
    await prepareDrill(cluster, DRILL_NS);
    const topicPrefix = uniqueTopicPrefix('drill');
    roles = await bootstrapRoles({
      brokers: kafkaBrokers(),
      kubeconfig: cluster.kubeconfig,
      topicPrefix,
      clusterId: `drill-${RUN}`,
    });
    feed = await ChangeFeed.start(kafkaBrokers(), topicPrefix);
    await waitPipelineLive(cluster, feed, DRILL_NS);
  }, 2_700_000);

  afterAll(async () => {
    await feed?.stop();
    await roles?.stop();
    await cluster?.stop();
  }, 180_000);

  it('attributes each kubectl verb to the manager that made the change', async () => {
    const ns = `ia-actors-${RUN}`;
    cluster.kubectl(['create', 'namespace', ns]);
    const manifest = (memory: string, replicas: number) =>
      JSON.stringify({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', namespace: ns, labels: { app: 'web' } },
        spec: {
          replicas,
          selector: { matchLabels: { app: 'web' } },
          template: {
            metadata: { labels: { app: 'web' } },
            spec: {
              containers: [{ name: 'server', image: 'nginx:1.27', resources: { limits: { memory } } }],
            },
          },
        },
      });
    const ofWeb = () => feed.changesIn(ns).filter((c) => c.ref.kind === 'Deployment' && c.ref.name === 'web');
    /** Runs a verb and returns the one change event it produced (a second one would be a duplicate or noise). */
    const verb = async (
      args: string[],
      options: { input?: string; env?: string } = {},
    ): Promise<ChangeEvent> => {
      const before = ofWeb().length;
      await sleep(1_100); // managedFields times have a resolution of one second
      if (options.env) {
        const { spawnSync } = await import('node:child_process');
        const r = spawnSync('kubectl', ['--kubeconfig', cluster.kubeconfig, ...args], {
          env: { ...process.env, EDITOR: options.env },
          encoding: 'utf8',
        });
        if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
      } else cluster.kubectl(args, { input: options.input });
      await until(`a change event after kubectl ${args.join(' ')}`, () => ofWeb().length > before, 30_000);
      await sleep(1_500); // a second event for the same verb would arrive by now
      const after = ofWeb();
      expect(after.length, `kubectl ${args.join(' ')} made one change event`).toBe(before + 1);
      return after.at(-1)!;
    };

    cluster.kubectl(['apply', '-f', '-'], { input: manifest('128Mi', 1) });
    await until('the creation', () => ofWeb().some((c) => c.operation === 'create'), 30_000);
    expect(ofWeb()[0].actor).toMatchObject({ manager: 'kubectl-client-side-apply', kind: 'human' });

    const actors: Array<[string, ChangeEvent['actor']]> = [];
    actors.push(['scale', (await verb(['-n', ns, 'scale', 'deployment/web', '--replicas=2'])).actor]);
    actors.push(['scale again', (await verb(['-n', ns, 'scale', 'deployment/web', '--replicas=3'])).actor]);
    actors.push(['rollout restart', (await verb(['-n', ns, 'rollout', 'restart', 'deployment/web'])).actor]);
    actors.push([
      'edit',
      (await verb(['-n', ns, 'edit', 'deployment/web'], { env: 'sed -i s/nginx:1.27/nginx:1.27.1/' })).actor,
    ]);
    actors.push(['apply', (await verb(['apply', '-f', '-'], { input: manifest('96Mi', 3) })).actor]);
    actors.push([
      'patch',
      (await verb(['-n', ns, 'patch', 'deployment/web', '-p', '{"spec":{"minReadySeconds":3}}'])).actor,
    ]);
    actors.push([
      'set image',
      (await verb(['-n', ns, 'set', 'image', 'deployment/web', 'server=nginx:1.28'])).actor,
    ]);
    actors.push([
      'apply --server-side',
      (
        await verb(['apply', '--server-side', '--force-conflicts', '-f', '-'], {
          input: manifest('64Mi', 3).replace('nginx:1.27', 'nginx:1.28'),
        })
      ).actor,
    ]);
    actors.push([
      'scale after server-side apply',
      (await verb(['-n', ns, 'scale', 'deployment/web', '--replicas=1'])).actor,
    ]);
    actors.push(['scale to zero', (await verb(['-n', ns, 'scale', 'deployment/web', '--replicas=0'])).actor]);
    log(`actors: ${actors.map(([v, a]) => `${v} -> ${a.manager}/${a.operation}`).join('; ')}`);
    expect(actors.map(([v, a]) => [v, a.manager, a.operation])).toEqual([
      ['scale', 'kubectl', 'Update'],
      ['scale again', 'kubectl', 'Update'],
      ['rollout restart', 'kubectl-rollout', 'Update'],
      ['edit', 'kubectl-edit', 'Update'],
      ['apply', 'kubectl-client-side-apply', 'Update'],
      ['patch', 'kubectl-patch', 'Update'],
      ['set image', 'kubectl-set', 'Update'],
      ['apply --server-side', 'kubectl', 'Apply'],
      ['scale after server-side apply', 'kubectl', 'Update'],
      // The scale subresource records no field for 0 (omitted from the Scale object): no trace, nobody named.
      ['scale to zero', 'unknown', undefined],
    ]);
    for (const [, a] of actors.slice(0, -1)) expect(a.kind).toBe('human');

    const deleted = await verb(['-n', ns, 'delete', 'deployment/web']);
    expect(deleted.operation).toBe('delete');
    expect(deleted.actor).toMatchObject({ manager: 'kubectl', operation: 'Delete', kind: 'human' });
  }, 180_000);

  it('publishes no change event in a steady cluster', async () => {
    const quiet = await measureQuiet(feed, Number(process.env.IA_DRILL_E2E_QUIET_SECONDS ?? 20) * 1000, log);
    expect(
      quiet.spurious.map((c) => `${c.ref.kind}/${c.ref.name} by ${c.actor.manager}: ${c.summary}`),
    ).toEqual([]);
  }, 120_000);

  it('ranks a bad image tag first for the front end in a short drill', async () => {
    const result = await runDrill(
      {
        cluster,
        feed,
        grpcPort: roles.grpcPort,
        correlatorHttpPort: roles.correlatorHttpPort,
        log,
        noiseGapMs: 2_000,
        detectTimeoutMs: 90_000,
      },
      {
        fault: 'bad-image',
        target: 'productcatalogservice',
        noise: [
          ['rollout-restart', 'adservice'],
          ['configmap-edit', 'currencyservice'],
        ],
      },
      DRILL_NS,
    );
    expect(result.symptomS).not.toBeNull();
    expect(result.rank).toBe(1);
  }, 600_000);
});
