/**
 * A Kafka broker for benchmarks: `KAFKA_BROKERS` when set, otherwise the local single-node broker of
 * scripts/kafka on 127.0.0.1:${KAFKA_PORT:-29092} (29092 keeps benchmarks apart from the tests' 19092 and a
 * developer's 9092). A broker this helper started is stopped by `stop()` (and on SIGINT/SIGTERM); one that was
 * already running is left alone. Script output goes to stderr so a benchmark's stdout stays machine-readable.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DEFAULT_BENCH_KAFKA_PORT = '29092';

export interface BrokerHandle {
  /** Bootstrap servers, e.g. ['127.0.0.1:29092']. */
  brokers: string[];
  /** True when this helper started the broker (and `stop()` will stop it). */
  started: boolean;
  /** Milliseconds `scripts/kafka start` took (0 when the broker was already there). */
  startMs: number;
  stop(): Promise<void>;
}

/** The repository root (the directory holding scripts/kafka), from source (bench/lib) or build (dist/bench/lib). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'scripts', 'kafka')) && existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('cannot find the repository root (scripts/kafka) above ' + import.meta.url);
    dir = parent;
  }
}

function runScript(command: string, port: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/kafka', command], {
      cwd: repoRoot(),
      env: { ...process.env, KAFKA_PORT: port, KAFKA_FRESH: '1' }, // a broker started here starts empty
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      process.stderr.write(chunk);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export async function ensureBroker(options: { port?: string } = {}): Promise<BrokerHandle> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    const brokers = external
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
    return { brokers, started: false, startMs: 0, stop: async () => {} };
  }

  const port = options.port ?? process.env.KAFKA_PORT ?? DEFAULT_BENCH_KAFKA_PORT;
  const brokers = [`127.0.0.1:${port}`];
  const status = await runScript('status', port);
  if (status.code === 0) return { brokers, started: false, startMs: 0, stop: async () => {} };

  const t0 = performance.now();
  const start = await runScript('start', port);
  const startMs = performance.now() - t0;
  if (start.code !== 0) throw new Error(`scripts/kafka start failed with exit code ${start.code}`);
  if (/already running/.test(start.output))
    return { brokers, started: false, startMs: 0, stop: async () => {} };

  // Do not leave a broker behind when the benchmark is interrupted.
  const onSignal = (signal: NodeJS.Signals) => {
    spawnSync('bash', ['scripts/kafka', 'stop'], {
      cwd: repoRoot(),
      env: { ...process.env, KAFKA_PORT: port },
      stdio: ['ignore', 2, 2],
    });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  let stopped = false;
  return {
    brokers,
    started: true,
    startMs,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      const stop = await runScript('stop', port);
      if (stop.code !== 0) process.stderr.write(`scripts/kafka stop failed with exit code ${stop.code}\n`);
    },
  };
}
