import type { Admin, ITopicConfig } from 'kafkajs';
import { sleep } from './retry.js';

/** What a broker answers for a topic it is still bringing up. */
const NOT_YET = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);
const POLL_MS = 50;

/**
 * Creates topics (those that exist already are left alone) and returns once every partition of each has a leader.
 *
 * Not kafkajs's `waitForLeaders`: it retries only LEADER_NOT_AVAILABLE, while a KRaft broker answers
 * UNKNOWN_TOPIC_OR_PARTITION for a topic it created a moment ago (50-150 ms on the development machine), and the
 * start-up failed with "This server does not host this topic-partition".
 */
export async function createTopicsWithLeaders(
  admin: Admin,
  topics: ITopicConfig[],
  timeoutMs = 30_000,
): Promise<boolean> {
  const created = await admin.createTopics({ topics, waitForLeaders: false });
  const names = topics.map((t) => t.topic);
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      const led = found.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
      if (found.length === names.length && led) return created;
    } catch (err) {
      if (!NOT_YET.has((err as { type?: string }).type ?? '')) throw err;
    }
    if (performance.now() > deadline) {
      throw new Error(`topics ${names.join(', ')} have no leader for every partition after ${timeoutMs} ms`);
    }
    await sleep(POLL_MS);
  }
}
