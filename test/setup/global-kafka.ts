/**
 * Vitest globalSetup for the `e2e` project: makes sure a real Kafka broker is reachable.
 *
 * - `KAFKA_BROKERS` set: use it as is (nothing is started or stopped).
 * - otherwise: `bash scripts/kafka start` on 127.0.0.1:${KAFKA_PORT:-19092} (19092 so a developer's own broker on
 *   9092 is left alone), starting empty (KAFKA_FRESH=1), and stop it at teardown, but only if this setup started
 *   it; a broker that was already running is reused and left running. `KAFKA_KEEP_RUNNING=1` keeps a broker this
 *   setup started running after the tests (stop it with `KAFKA_PORT=19092 bash scripts/kafka stop`).
 *
 * The bootstrap servers are exported as `process.env.KAFKA_BROKERS` and `provide('kafkaBrokers')`; tests read
 * them through `kafkaBrokers()` from test/support/kafka.ts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type {} from '../support/kafka.js'; // ProvidedContext['kafkaBrokers'] augmentation

const DEFAULT_TEST_PORT = '19092';
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface ScriptResult {
  code: number;
  output: string;
}

function runKafkaScript(command: string, port: string, echo: boolean): Promise<ScriptResult> {
  // KAFKA_FRESH: a broker started for a test run starts empty (old test topics would only slow start-up).
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['scripts/kafka', command], {
      cwd: repoRoot,
      env: { ...process.env, KAFKA_PORT: port, KAFKA_FRESH: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (stream: NodeJS.WriteStream) => (chunk: Buffer) => {
      output += chunk.toString();
      if (echo) stream.write(chunk);
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

export default async function setup({ provide }: TestProject): Promise<() => Promise<void>> {
  const external = process.env.KAFKA_BROKERS?.trim();
  if (external) {
    provide('kafkaBrokers', external);
    return async () => {};
  }

  const port = process.env.KAFKA_PORT || DEFAULT_TEST_PORT;
  const brokers = `127.0.0.1:${port}`;
  const status = await runKafkaScript('status', port, false);
  let owned = false;
  if (status.code !== 0) {
    const started = Date.now();
    const start = await runKafkaScript('start', port, true);
    if (start.code !== 0) {
      throw new Error(`scripts/kafka start failed (exit ${start.code}) on port ${port}:\n${start.output}`);
    }
    // Another run may have won the race between `status` and `start`; then that run owns the broker.
    owned = !/already running/.test(start.output);
    if (owned) console.log(`[global-kafka] broker ${brokers} started in ${Date.now() - started} ms`);
  } else {
    console.log(`[global-kafka] reusing running broker ${brokers}`);
  }

  process.env.KAFKA_BROKERS = brokers;
  provide('kafkaBrokers', brokers);

  return async () => {
    if (!owned || process.env.KAFKA_KEEP_RUNNING === '1') return;
    const stop = await runKafkaScript('stop', port, true);
    if (stop.code !== 0) console.error(`[global-kafka] scripts/kafka stop failed (exit ${stop.code})`);
  };
}
