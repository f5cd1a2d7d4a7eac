/**
 * The three roles (watcher, differ, correlator) against a real Kafka and a live cluster, with the settings of a
 * production install (only ports, topic prefix, cluster id and a throwaway HMAC key are the drill's own). As
 * separate processes of the built app (`npm run drill`, which also measures each role's memory), or in this
 * process as the e2e tests run them (from sources, no build needed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { repoRoot } from '../lib/broker.js';

export type RoleName = 'watcher' | 'differ' | 'correlator';
export const ROLE_NAMES: readonly RoleName[] = ['watcher', 'differ', 'correlator'];

export interface RolesSettings {
  brokers: string[];
  kubeconfig: string;
  /** Prefix of topics and consumer groups: each run its own. */
  topicPrefix: string;
  clusterId: string;
  /** Extra env for every role (e.g. LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
}

export interface Roles {
  grpcPort: number;
  /** The correlator's HTTP port: /readyz, POST /api/v1/alertmanager. */
  correlatorHttpPort: number;
  httpPorts: Record<RoleName, number>;
  /** Resident set size of each role in bytes, when they run as processes. */
  rss(): Record<RoleName, number> | undefined;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

async function roleEnv(
  s: RolesSettings,
): Promise<{ env: NodeJS.ProcessEnv; ports: Record<RoleName, number>; grpc: number }> {
  const ports = { watcher: await freePort(), differ: await freePort(), correlator: await freePort() };
  const grpc = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_LEVEL: 'warn',
    ...s.env,
    KAFKA_BROKERS: s.brokers.join(','),
    KAFKA_NAMESPACE_PREFIX: `${s.topicPrefix}.`,
    IA_CLUSTER_ID: s.clusterId,
    KUBECONFIG: s.kubeconfig,
    IA_SECRET_HMAC_KEY: randomBytes(24).toString('hex'),
    WATCHER_HTTP_PORT: String(ports.watcher),
    DIFFER_HTTP_HOST: '127.0.0.1',
    DIFFER_HTTP_PORT: String(ports.differ),
    DIFFER_LOG_CHANGES: 'false',
    CORRELATOR_HTTP_HOST: '127.0.0.1',
    CORRELATOR_HTTP_PORT: String(ports.correlator),
    CORRELATOR_GRPC_HOST: '127.0.0.1',
    CORRELATOR_GRPC_PORT: String(grpc),
  };
  delete env.IA_KUBE_CONTEXT;
  return { env, ports, grpc };
}

/** GET http://127.0.0.1:port/readyz until 200, or throws after `timeoutMs`. */
export async function waitReady(role: string, port: number, timeoutMs: number, alive?: () => boolean) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (alive && !alive()) throw new Error(`${role} exited before it was ready`);
    if (Date.now() > deadline) throw new Error(`${role} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

function rssOf(pid: number): number {
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Each role as its own `node dist/apps/<role>/src/main.js` (run `npm run build` first); `only` starts some of
 * them (the scale measurement runs no correlator); `echo` copies their stderr to ours.
 */
export async function spawnRoles(
  s: RolesSettings,
  options: { only?: readonly RoleName[]; echo?: boolean; readyTimeoutMs?: number } = {},
): Promise<Roles> {
  const { env, ports, grpc } = await roleEnv(s);
  const names = options.only ?? ROLE_NAMES;
  const children = new Map<RoleName, ChildProcess>();
  const stderrTail = new Map<RoleName, string>();
  const stop = async () => {
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const kill = setTimeout(() => c.kill('SIGKILL'), 15_000).unref();
            c.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
  };
  try {
    for (const role of names) {
      const main = join(repoRoot(), 'dist/apps', role, 'src/main.js');
      const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      child.stderr!.on('data', (c: Buffer) => {
        const text = (stderrTail.get(role) ?? '') + c.toString();
        stderrTail.set(role, text.slice(-4000));
        if (options.echo) process.stderr.write(c);
      });
      children.set(role, child);
    }
    for (const role of names) {
      const child = children.get(role)!;
      await waitReady(
        role,
        ports[role],
        options.readyTimeoutMs ?? 180_000,
        () => child.exitCode === null,
      ).catch((err: Error) => {
        throw new Error(`${err.message}\n${stderrTail.get(role) ?? ''}`);
      });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    grpcPort: grpc,
    correlatorHttpPort: ports.correlator,
    httpPorts: ports,
    rss: () =>
      Object.fromEntries(names.map((r) => [r, rssOf(children.get(r)!.pid!)])) as Record<RoleName, number>,
    stop,
  };
}

/** The three roles as Nest applications in this process (from sources under vitest). */
export async function bootstrapRoles(s: RolesSettings): Promise<Roles> {
  const { env, ports, grpc } = await roleEnv(s);
  const { bootstrapWatcher } = await import('../../apps/watcher/src/main.js');
  const { bootstrapDiffer } = await import('../../apps/differ/src/main.js');
  const { bootstrapCorrelator } = await import('../../apps/correlator/src/main.js');
  const apps: INestApplication[] = [];
  const stop = async () => {
    for (const app of apps.reverse()) await app.close().catch(() => undefined);
  };
  try {
    apps.push(await bootstrapCorrelator(env));
    apps.push(await bootstrapDiffer(env));
    apps.push(await bootstrapWatcher(env));
    for (const role of ROLE_NAMES) await waitReady(role, ports[role], 180_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    grpcPort: grpc,
    correlatorHttpPort: ports.correlator,
    httpPorts: ports,
    rss: () => undefined,
    stop,
  };
}
