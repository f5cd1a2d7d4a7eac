/**
 * A REAL Prometheus for e2e tests, through scripts/prometheus: install (Debian's package, when missing), backfill a
 * recording's metric lines or start over a data dir made by the test, stop. One port per suite
 * (IA_PROMETHEUS_E2E_PORT, default 19190), so that a developer's own instance is left alone.
 *
 *   const prom = prometheusServer();
 *   await prom.install();
 *   await prom.backfill('x.jsonl', '/tmp/d');   // or: await prom.start('/tmp/d')
 *   ... prom.url
 *   await prom.stop();
 */
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = join(repoRoot, 'scripts/prometheus');

export interface PrometheusServer {
  url: string;
  port: string;
  install(): Promise<void>;
  backfill(recording: string, dataDir: string): Promise<void>;
  start(dataDir: string): Promise<void>;
  stop(): Promise<void>;
}

/** Why the real-Prometheus suite may be skipped: only when told so (IA_SKIP_PROMETHEUS=1). */
export function prometheusSkipAllowed(): boolean {
  return process.env.IA_SKIP_PROMETHEUS === '1';
}

export function promtoolAvailable(): boolean {
  return (
    spawnSync(process.env.IA_PROMTOOL_BIN ?? 'promtool', ['--version'], { stdio: 'ignore' }).status === 0
  );
}

export function prometheusServer(port = process.env.IA_PROMETHEUS_E2E_PORT ?? '19190'): PrometheusServer {
  const env = { ...process.env, IA_PROMETHEUS_PORT: port };
  const run = (args: string[]) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('bash', [SCRIPT, ...args], {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (c: Buffer) => (output += c.toString()));
      child.stderr.on('data', (c: Buffer) => (output += c.toString()));
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0
          ? resolve()
          : reject(new Error(`scripts/prometheus ${args.join(' ')} exited ${code}:\n${output.trim()}`)),
      );
    });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    install: () => run(['install']),
    backfill: (recording, dataDir) => run(['backfill', recording, dataDir]),
    start: (dataDir) => run(['start', dataDir]),
    stop: () => run(['stop']),
  };
}
