/**
 * A REAL kube-apiserver (+ etcd) for e2e tests, through scripts/kube-apiserver: start (building the binaries
 * first when they are missing, ~5 min on 2 cores), its env (KUBECONFIG, etcd endpoint), restart-apiserver,
 * compact, stop; plus kubectl and small raw API calls against it, and a TCP proxy that lets a test cut a client
 * off the API server without touching the server.
 *
 *   const kube = await startKubeApiserver({ port: '17100' });
 *   kube.kubectl(['create', 'ns', 'x']);
 *   await kube.restartApiserver();
 *   await kube.stop(); // only stops what this call started
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(repoRoot, 'scripts/kube-apiserver');
const KUBECTL = process.env.IA_KUBECTL ?? 'kubectl';

export interface ScriptResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Why the real-API-server suites cannot run here, or undefined when they can. */
export function realApiserverSkipReason(): string | undefined {
  if (process.env.IA_SKIP_REAL_APISERVER === '1') return 'IA_SKIP_REAL_APISERVER=1 is set';
  if (!existsSync(SCRIPT)) return 'scripts/kube-apiserver does not exist';
  if (spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).status !== 0)
    return `${KUBECTL} is not runnable (set IA_KUBECTL)`;
  if (!binariesBuilt()) {
    const go =
      process.env.IA_GO ||
      (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0 ? 'go' : '/usr/local/go/bin/go');
    if (spawnSync(go, ['version'], { stdio: 'ignore' }).status !== 0)
      return 'the kube-apiserver/etcd binaries are not built and no Go toolchain is available to build them';
  }
  return undefined;
}

/** True when scripts/kube-apiserver's binaries are in its cache (else `start` builds them first). */
export function binariesBuilt(): boolean {
  const bin = join(process.env.IA_CACHE_DIR ?? join(homedir(), '.cache/incident-assistant'), 'kube/bin');
  const files = existsSync(bin) ? readdirSync(bin) : [];
  const has = (prefix: string) => files.some((f) => f.startsWith(prefix) && !f.endsWith('.tmp'));
  return has('kube-apiserver-') && has('etcd-');
}

/** Runs `bash scripts/kube-apiserver <command>` with the given env; echoes its stderr with a prefix when asked. */
export function runKubeScript(
  command: string,
  env: NodeJS.ProcessEnv,
  options: { echo?: boolean; timeoutMs?: number } = {},
): Promise<ScriptResult> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SCRIPT, command], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      if (options.echo) process.stderr.write(c);
    });
    const timer = options.timeoutMs
      ? setTimeout(() => child.kill('SIGTERM'), options.timeoutMs).unref()
      : undefined;
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export interface KubeApiserver {
  port: string;
  /** Path of the admin kubeconfig (token user, system:masters). */
  kubeconfig: string;
  etcdEndpoint: string;
  dataDir: string;
  /** True when this helper started the instance (and stop() will stop it). */
  startedHere: boolean;
  /** Whether the binaries had to be built by this start. */
  built: boolean;
  startMs: number;
  kubeConfig(): KubeConfig;
  /** kubectl with this instance's kubeconfig; throws with stderr on a non-zero exit unless `allowFail`. */
  kubectl(args: string[], options?: { input?: string; allowFail?: boolean }): ScriptResult;
  /** A raw API call (JSON in and out); rejects with the status and body on a non-2xx answer. */
  request<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  restartApiserver(): Promise<ScriptResult>;
  /** Compacts etcd to its current revision; returns that revision. */
  compact(): Promise<number>;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** IA_KUBE_PORT of this instance; pick one nobody else uses. */
  port: string;
  /** IA_KUBE_APISERVER_EXTRA_ARGS (kept for restart-apiserver too). */
  extraArgs?: string;
  /** Total time for build + start (the script's own readiness timeout is IA_KUBE_START_TIMEOUT). */
  timeoutMs?: number;
}

export async function startKubeApiserver(options: StartOptions): Promise<KubeApiserver> {
  const env: NodeJS.ProcessEnv = { ...process.env, IA_KUBE_PORT: options.port };
  if (options.extraArgs !== undefined) env.IA_KUBE_APISERVER_EXTRA_ARGS = options.extraArgs;
  else delete env.IA_KUBE_APISERVER_EXTRA_ARGS;
  delete env.IA_KUBE_STATE_DIR;

  const wasRunning = (await runKubeScript('status', env)).code === 0;
  const built = !binariesBuilt();
  if (built) console.log('[kube-apiserver] binaries missing: building them first (about 5 min on 2 cores)');
  const start = await runKubeScript('start', env, { echo: true, timeoutMs: options.timeoutMs ?? 900_000 });
  if (start.code !== 0)
    throw new Error(
      `scripts/kube-apiserver start failed (exit ${start.code}):\n${start.stderr.slice(-3000)}`,
    );
  const envOut = await runKubeScript('env', env);
  const vars = Object.fromEntries(
    [...envOut.stdout.matchAll(/^export (\w+)=(.*)$/gm)].map((m) => [m[1], m[2]] as const),
  );
  const kubeconfig = vars.KUBECONFIG ?? start.stdout.trim().split('\n').pop()!;
  const startedHere = !wasRunning;
  let stopped = false;

  const kubeConfig = () => {
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    return kc;
  };
  const kc = kubeConfig();

  const kubectl: KubeApiserver['kubectl'] = (args, o = {}) => {
    const t0 = performance.now();
    const r = spawnSync(KUBECTL, ['--kubeconfig', kubeconfig, '--request-timeout=60s', ...args], {
      input: o.input,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const result = {
      code: r.status ?? 1,
      stdout: r.stdout ?? '',
      stderr: r.stderr ?? '',
      ms: performance.now() - t0,
    };
    if (result.code !== 0 && !o.allowFail)
      throw new Error(`kubectl ${args.join(' ')} failed (exit ${result.code}): ${result.stderr}`);
    return result;
  };

  const request = async <T>(
    method: string,
    path: string,
    body?: unknown,
    contentType?: string,
  ): Promise<T> => {
    const url = new URL(kc.getCurrentCluster()!.server.replace(/\/+$/, '') + path);
    const opts: Record<string, unknown> & { headers: Record<string, string> } = {
      headers: { Accept: 'application/json' },
    };
    await kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    if (payload !== undefined) opts.headers['Content-Type'] = contentType ?? 'application/json';
    return new Promise<T>((resolve, reject) => {
      const req = httpsRequest(url, { ...opts, method, timeout: 30_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300)
            return reject(new KubeRequestError(status, `${method} ${path}`, text));
          resolve((text ? JSON.parse(text) : undefined) as T);
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', reject);
      req.end(payload);
    });
  };

  return {
    port: options.port,
    kubeconfig,
    etcdEndpoint: vars.IA_KUBE_ETCD_ENDPOINT ?? '',
    dataDir: vars.IA_KUBE_DATA_DIR ?? '',
    startedHere,
    built,
    startMs: start.ms,
    kubeConfig,
    kubectl,
    request,
    restartApiserver: async () => {
      const r = await runKubeScript('restart-apiserver', env, { echo: true, timeoutMs: 300_000 });
      if (r.code !== 0)
        throw new Error(`restart-apiserver failed (exit ${r.code}): ${r.stderr.slice(-3000)}`);
      return r;
    },
    compact: async () => {
      const r = await runKubeScript('compact', env, { echo: true, timeoutMs: 60_000 });
      if (r.code !== 0) throw new Error(`compact failed (exit ${r.code}): ${r.stderr.slice(-3000)}`);
      return Number(r.stdout.trim().split('\n').pop());
    },
    stop: async () => {
      if (stopped || !startedHere) return;
      stopped = true;
      const r = await runKubeScript('stop', env, { echo: true, timeoutMs: 120_000 });
      if (r.code !== 0) console.error(`[kube-apiserver] stop failed (exit ${r.code}): ${r.stderr}`);
    },
  };
}

export class KubeRequestError extends Error {
  constructor(
    readonly status: number,
    what: string,
    readonly body: string,
  ) {
    super(`${what}: HTTP ${status}: ${body.slice(0, 500)}`);
    this.name = 'KubeRequestError';
  }
}

/**
 * A TCP proxy on 127.0.0.1 in front of the API server (TLS passes through; the server certificate names
 * 127.0.0.1, so a kubeconfig pointing at the proxy verifies). `cut()` drops every connection and refuses new
 * ones (the client sees resets) until `restore()`: the client is offline while the server keeps running.
 */
export class TcpCutProxy {
  private readonly sockets = new Set<Socket>();
  private isCut = false;
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpCutProxy> {
    const self: { proxy?: TcpCutProxy } = {};
    const server = createServer((client) => {
      const proxy = self.proxy!;
      if (proxy.isCut) return client.destroy();
      const upstream = connect(targetPort, targetHost);
      proxy.sockets.add(client).add(upstream);
      const close = () => {
        client.destroy();
        upstream.destroy();
        proxy.sockets.delete(client);
        proxy.sockets.delete(upstream);
      };
      client.on('error', close).on('close', close);
      upstream.on('error', close).on('close', close);
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    self.proxy = new TcpCutProxy(server, (server.address() as AddressInfo).port);
    return self.proxy;
  }

  /** A copy of `kc` whose current cluster is reached through this proxy. */
  kubeConfigThrough(kc: KubeConfig): KubeConfig {
    const out = new KubeConfig();
    out.loadFromString(kc.exportConfig());
    const cluster = out.getCurrentCluster()!;
    const url = new URL(cluster.server);
    url.port = String(this.port);
    const clusters = out.clusters.map((c) =>
      c.name === cluster.name ? { ...c, server: url.toString().replace(/\/$/, '') } : c,
    );
    out.loadFromOptions({
      clusters,
      users: out.users,
      contexts: out.contexts,
      currentContext: out.currentContext,
    });
    return out;
  }

  cut(): void {
    this.isCut = true;
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  restore(): void {
    this.isCut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
