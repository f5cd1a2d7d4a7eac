import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, describe, expect, it } from 'vitest';
import { ALL_TOPICS, anomalyKey, CE_TYPES, encodeMessage, objectKey, TOPICS } from '#contracts';
import type { CorrelationEngine } from '#correlation';
import { EventLogModule, KafkaConnectionSchema, KafkaEventLog, toLogRecord } from '#kafka';
import { generateCluster } from '../bench/synthetic-cluster.js';
import { CORRELATION_ENGINE, CorrelatorModule, CorrelatorRuntime, parseCorrelatorConfig } from '#correlator';
import { connect } from './support/grpc-test-client.js';
import { kafkaBrokers, uniqueTopicPrefix } from './support/kafka.js';

/**
 * Recovery: the correlator keeps its graph in memory, so after a restart it must rebuild it from Kafka and
 * answer exactly as before. Publishes a small cluster's objects, changes and anomalies to a real broker, ranks
 * over gRPC, restarts the correlator (a new Nest application, a new engine), and ranks again.
 */
const prefix = `${uniqueTopicPrefix('correlator-recovery')}.`;
const connection = () =>
  KafkaConnectionSchema.parse({ brokers: kafkaBrokers(), namespacePrefix: prefix, compression: 'none' });
const cluster = generateCluster({ resources: 400, changes: 1_500, anomalies: 12, hours: 4, seed: 7 });

async function startCorrelator(): Promise<INestApplication> {
  @Module({
    imports: [
      EventLogModule.forRoot(() => new KafkaEventLog(connection())),
      CorrelatorModule.forRoot({
        config: parseCorrelatorConfig({
          cluster: 'bench',
          grpc: { host: '127.0.0.1', port: 0 },
          incidents: { rerankDebounceMs: 0 },
        }),
      }),
    ],
  })
  class RecoveryRoot {}
  const app = await NestFactory.create(RecoveryRoot, { logger: false });
  await app.init();
  const runtime = app.get(CorrelatorRuntime);
  await runtime.whenReady();
  // Readiness means caught up with the ends at start; all test data was published before, so all of it is in.
  const engine = app.get<CorrelationEngine>(CORRELATION_ENGINE);
  const deadline = Date.now() + 60_000;
  while (engine.stats().changes < cluster.changes.length && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  return app;
}

async function answers(app: INestApplication) {
  const client = connect(app.get(CorrelatorRuntime).grpcPort);
  try {
    const ranked = [];
    for (const a of cluster.anomalies.slice(0, 6)) {
      const at = Date.parse(a.observedAt) + 120_000;
      ranked.push(
        await client.rankCauses({
          at: { seconds: String(Math.floor(at / 1000)), nanos: 0 },
          symptom: { kind: 'Deployment', namespace: a.subject.namespace, name: a.subject.name },
          top: 5,
        }),
      );
    }
    const incidents = await client.listIncidents({ includeResolved: true, topCauses: 3 });
    return { ranked, incidents };
  } finally {
    client.close();
  }
}

describe('correlator recovery from Kafka', () => {
  const apps: INestApplication[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => {});
  });

  it('gives the same rankings and incidents after a restart', async () => {
    const log = new KafkaEventLog(connection());
    await log.ensureTopics(ALL_TOPICS);
    const source = 'incident-assistant/e2e';
    await log.publish(
      TOPICS.objects.name,
      cluster.objects.map((o) =>
        toLogRecord(encodeMessage(o.state), {
          key: o.key,
          type: CE_TYPES.objectState,
          source,
          id: o.state.resourceVersion,
          time: o.state.observedAt,
        }),
      ),
    );
    await log.publish(
      TOPICS.changes.name,
      cluster.changes.map((c) =>
        toLogRecord(encodeMessage(c), {
          key: objectKey(c.ref),
          type: CE_TYPES.change,
          source,
          id: c.changeId,
          time: c.changedAt,
        }),
      ),
    );
    await log.publish(
      TOPICS.anomalies.name,
      cluster.anomalies.map((a) =>
        toLogRecord(encodeMessage(a), {
          key: anomalyKey(a),
          type: CE_TYPES.anomaly,
          source,
          id: a.anomalyId,
          time: a.observedAt,
        }),
      ),
    );
    await log.close();

    const first = await startCorrelator();
    apps.push(first);
    const before = await answers(first);
    expect(before.ranked.some((r) => r.causes.length > 0)).toBe(true);
    await first.close();

    const second = await startCorrelator();
    apps.push(second);
    const after = await answers(second);
    expect(after).toEqual(before);
  });
});
