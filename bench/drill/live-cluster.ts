/**
 * A live cluster for drills and their e2e test, through scripts/cluster (kube-apiserver, etcd,
 * kube-controller-manager, kube-scheduler and KWOK's simulated nodes): start it (building what is missing),
 * run kubectl against it, stop it again if this process started it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../lib/broker.js';

const KUBECTL = process.env.IA_KUBECTL ?? 'kubectl';
const BINARIES = ['kube-apiserver-', 'etcd-', 'kube-controller-manager-', 'kube-scheduler-', 'kwok-'];

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface LiveCluster {
  port: string;
  kubeconfig: string;
  /** True when this process started the cluster (and stop() stops it). */
  startedHere: boolean;
  /** How long `scripts/cluster start` took, build included. */
  startMs: number;
  /** Whether the binaries had to be built first. */
  built: boolean;
  /** kubectl with the admin kubeconfig; throws with stderr on failure unless `allowFail`. */
  kubectl(args: string[], options?: { input?: string; allowFail?: boolean }): KubectlResult;
  /** kubectl ... -o json, parsed. */
  getJson<T = Record<string, unknown>>(args: string[]): T;
  /** `scripts/cluster nodes N`. */
  setNodes(n: number): Promise<void>;
  stop(): Promise<void>;
}

function cacheBin(): string {
  return join(process.env.IA_CACHE_DIR ?? join(homedir(), '.cache/incident-assistant'), 'kube/bin');
}

/** True when every binary scripts/cluster runs is in its cache. */
export function clusterBinariesBuilt(): boolean {
  const files = existsSync(cacheBin()) ? readdirSync(cacheBin()) : [];
  return BINARIES.every((p) => files.some((f) => f.startsWith(p) && !f.endsWith('.tmp')));
}

/** Why a live cluster cannot run here, or undefined when it can. */
export function liveClusterSkipReason(): string | undefined {
  if (process.env.IA_SKIP_LIVE_CLUSTER === '1') return 'IA_SKIP_LIVE_CLUSTER=1 is set';
  if (spawnSync(KUBECTL, ['version', '--client'], { stdio: 'ignore' }).status !== 0)
    return `${KUBECTL} is not runnable (set IA_KUBECTL)`;
  for (const tool of ['openssl', 'curl', 'flock', 'setsid'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0)
      return `${tool} is not installed`;
  if (!clusterBinariesBuilt()) {
    const go =
      process.env.IA_GO ||
      (spawnSync('go', ['version'], { stdio: 'ignore' }).status === 0 ? 'go' : '/usr/local/go/bin/go');
    if (spawnSync(go, ['version'], { stdio: 'ignore' }).status !== 0)
      return 'the cluster binaries are not built and no Go toolchain is available to build them';
  }
  return undefined;
}

function runScript(
  args: string[],
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<KubectlResult & { ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(repoRoot(), 'scripts/cluster'), ...args], {
      cwd: repoRoot(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      process.stderr.write(c);
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs).unref();
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

export interface LiveClusterOptions {
  /** IA_KUBE_PORT of the cluster's API server; pick one nobody else uses. */
  port: string;
  nodes?: number;
  /** Build + start (a first build of the controller-manager, scheduler and kwok takes 10-20 min on 2 cores). */
  timeoutMs?: number;
}

export async function startLiveCluster(options: LiveClusterOptions): Promise<LiveCluster> {
  const env: NodeJS.ProcessEnv = { ...process.env, IA_KUBE_PORT: options.port };
  delete env.IA_KUBE_STATE_DIR;
  const timeoutMs = options.timeoutMs ?? 2_400_000;
  const wasRunning = (await runScript(['status'], env, 30_000)).code === 0;
  const built = !clusterBinariesBuilt();
  const start = await runScript(['start', '--nodes', String(options.nodes ?? 3)], env, timeoutMs);
  if (start.code !== 0)
    throw new Error(`scripts/cluster start failed (exit ${start.code}):\n${start.stderr.slice(-3000)}`);
  const envOut = await runScript(['env'], env, 30_000);
  const kubeconfig = /^export KUBECONFIG=(.*)$/m.exec(envOut.stdout)?.[1];
  if (!kubeconfig) throw new Error(`scripts/cluster env printed no KUBECONFIG:\n${envOut.stdout}`);
  let stopped = false;

  const kubectl: LiveCluster['kubectl'] = (args, o = {}) => {
    const r = spawnSync(KUBECTL, ['--kubeconfig', kubeconfig, '--request-timeout=60s', ...args], {
      input: o.input,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const result = { code: r.status ?? 1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
    if (result.code !== 0 && !o.allowFail)
      throw new Error(`kubectl ${args.join(' ')} failed (exit ${result.code}): ${result.stderr}`);
    return result;
  };

  return {
    port: options.port,
    kubeconfig,
    startedHere: !wasRunning,
    startMs: start.ms,
    built,
    kubectl,
    getJson: <T>(args: string[]) => JSON.parse(kubectl([...args, '-o', 'json']).stdout) as T,
    setNodes: async (n) => {
      const r = await runScript(['nodes', String(n)], env, 1_800_000);
      if (r.code !== 0) throw new Error(`scripts/cluster nodes ${n} failed: ${r.stderr.slice(-2000)}`);
    },
    stop: async () => {
      if (stopped || wasRunning) return;
      stopped = true;
      const r = await runScript(['stop'], env, 120_000);
      if (r.code !== 0) process.stderr.write(`scripts/cluster stop failed (exit ${r.code})\n`);
    },
  };
}
