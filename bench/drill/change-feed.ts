/**
 * What the differ published, read back from Kafka as any consumer of the product would: every ChangeEvent of
 * ia.changes.v1 and every AnomalySignal of ia.anomalies.v1, with the time it arrived here.
 */
import {
  AnomalySignalSchema,
  ChangeEventSchema,
  decodeMessage,
  TOPICS,
  type AnomalySignal,
  type ChangeEvent,
} from '#contracts';
import { KafkaConnectionSchema, KafkaEventLog, type ConsumerHandle } from '#kafka';

export interface Seen<T> {
  value: T;
  receivedAt: number;
}

export class ChangeFeed {
  readonly changes: Seen<ChangeEvent>[] = [];
  readonly anomalies: Seen<AnomalySignal>[] = [];
  private consumer?: ConsumerHandle;

  private constructor(private readonly log: KafkaEventLog) {}

  static async start(brokers: string[], topicPrefix: string): Promise<ChangeFeed> {
    const log = new KafkaEventLog(
      KafkaConnectionSchema.parse({ brokers, namespacePrefix: `${topicPrefix}.`, compression: 'none' }),
    );
    const feed = new ChangeFeed(log);
    feed.consumer = await log.consume({
      groupId: 'drill-feed',
      topics: [TOPICS.changes.name, TOPICS.anomalies.name],
      fromBeginning: true,
      handler: {
        handle: async (r) => {
          const receivedAt = Date.now();
          if (r.topic === TOPICS.changes.name)
            feed.changes.push({
              value: decodeMessage('ChangeEvent', ChangeEventSchema, r.value),
              receivedAt,
            });
          else
            feed.anomalies.push({
              value: decodeMessage('AnomalySignal', AnomalySignalSchema, r.value),
              receivedAt,
            });
        },
      },
    });
    await feed.consumer.ready();
    return feed;
  }

  /** Changes of one namespace (or cluster-scoped ones with `null`). */
  changesIn(namespace: string | null): ChangeEvent[] {
    return this.changes.map((s) => s.value).filter((c) => c.ref.namespace === namespace);
  }

  /** Changes received in [from, to) (epoch ms). */
  receivedBetween(from: number, to: number): ChangeEvent[] {
    return this.changes.filter((s) => s.receivedAt >= from && s.receivedAt < to).map((s) => s.value);
  }

  async stop(): Promise<void> {
    await this.consumer?.stop().catch(() => undefined);
    await this.log.close().catch(() => undefined);
  }
}

/** Resolves when `probe` returns something (polled every 200 ms), or rejects after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
