import { TOPICS } from '#contracts';
import type { EventLog } from '#kafka';
import { PartitionStore } from './partition-store.js';

/** Heartbeats during a restore: often enough for a 30 s session, rarely enough to cost nothing. */
const HEARTBEAT_EVERY = 10_000;

/**
 * Rebuilds the stores of raw-events partitions from the changelog partitions of the same numbers, in one read
 * of the changelog: on Kafka, every read is a consumer group join, so partitions restored one by one pay that
 * (and the reader's shutdown) once each.
 */
export async function restoreStores(
  eventLog: EventLog,
  partitions: readonly number[],
  heartbeat: () => Promise<void>,
): Promise<{ stores: Map<number, PartitionStore>; records: number }> {
  const stores = new Map(partitions.map((p) => [p, new PartitionStore()]));
  let records = 0;
  for await (const r of eventLog.readToEnd(TOPICS.objects.name, partitions)) {
    if (r.key !== null) stores.get(r.partition)?.restore(r.key, r.value, r.headers);
    if (++records % HEARTBEAT_EVERY === 0) await heartbeat();
  }
  return { stores, records };
}
