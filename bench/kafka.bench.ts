/**
 * npm run bench:kafka — raw kafkajs produce and consume throughput against a real broker (KAFKA_BROKERS, or the
 * local scripts/kafka broker, started and stopped here if needed): ~1 KiB keyed JSON messages, idempotent acks=all
 * producer, no compression unless BENCH_KAFKA_COMPRESSION=gzip; fresh consumer group from the beginning with
 * eachBatch. 5 runs of each; every run and the medians are printed. Broker script output goes to stderr.
 * Last stdout line: {"bench":"kafka","produce_msgs_s":N,"consume_msgs_s":N}.
 *
 * Knobs: BENCH_MESSAGES (100000), BENCH_MESSAGE_BYTES (1024), BENCH_BATCH (1000), BENCH_PARTITIONS (12),
 * BENCH_RUNS (5), BENCH_KAFKA_COMPRESSION (none|gzip).
 */
import {
  runKafkaBaseline,
  type BenchCompression,
  type ConsumeResult,
  type ThroughputResult,
} from './lib/baseline.js';
import { ensureBroker } from './lib/broker.js';
import { fmt, rssMiB } from './lib/stats.js';

const num = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v ? Number(v) : fallback;
};

const MESSAGES = num('BENCH_MESSAGES', 100_000);
const MESSAGE_BYTES = num('BENCH_MESSAGE_BYTES', 1024);
const BATCH = num('BENCH_BATCH', 1000);
const RUNS = num('BENCH_RUNS', 5);
const PARTITIONS = process.env.BENCH_PARTITIONS ? Number(process.env.BENCH_PARTITIONS) : undefined;
const COMPRESSION: BenchCompression = process.env.BENCH_KAFKA_COMPRESSION === 'gzip' ? 'gzip' : 'none';

const rate = (msgsPerSec: number, mbPerSec: number) =>
  `${fmt(msgsPerSec).padStart(9)} msg/s ${fmt(mbPerSec, 1).padStart(6)} MB/s`;

function printRun(phase: string, run: number, r: ThroughputResult | ConsumeResult): void {
  const join = 'firstBatchMs' in r ? `, first batch after ${fmt(r.firstBatchMs)} ms` : '';
  console.log(
    `${phase.padEnd(8)} run ${run + 1}  ${rate(r.msgsPerSec, r.mbPerSec)}  (${fmt(r.messages)} msgs in ${fmt(r.ms)} ms${join})`,
  );
}

async function main(): Promise<void> {
  const broker = await ensureBroker();
  try {
    console.log(
      `kafka baseline: broker ${broker.brokers.join(',')}${broker.started ? ` (started in ${fmt(broker.startMs)} ms)` : ''}, ` +
        `${fmt(MESSAGES)} msgs x ~${MESSAGE_BYTES} B per run, batches of ${BATCH}, compression ${COMPRESSION}, ` +
        `${RUNS} runs, idempotent acks=all`,
    );
    const result = await runKafkaBaseline({
      brokers: broker.brokers,
      messages: MESSAGES,
      messageBytes: MESSAGE_BYTES,
      batchSize: BATCH,
      partitions: PARTITIONS,
      compression: COMPRESSION,
      runs: RUNS,
      onRun: printRun,
    });
    console.log(`produce  median ${rate(result.medianProduceMsgsPerSec, result.medianProduceMbPerSec)}`);
    console.log(`consume  median ${rate(result.medianConsumeMsgsPerSec, result.medianConsumeMbPerSec)}`);
    console.log(`rss ${fmt(rssMiB())} MiB`);
    await broker.stop();
    console.log(
      JSON.stringify({
        bench: 'kafka',
        produce_msgs_s: Math.round(result.medianProduceMsgsPerSec),
        consume_msgs_s: Math.round(result.medianConsumeMsgsPerSec),
      }),
    );
  } finally {
    await broker.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
