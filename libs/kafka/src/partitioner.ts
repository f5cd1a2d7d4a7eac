import { Partitioners } from 'kafkajs';

const defaultPartitioner = Partitioners.DefaultPartitioner();

/**
 * The partition Kafka's Java client (and kafkajs's default partitioner) picks for a key: murmur2(key) mod n.
 * The in-process log uses it too, so an object's events land in the same partition number on both.
 */
export function partitionForKey(topic: string, key: string, partitions: number): number {
  return defaultPartitioner({
    topic,
    partitionMetadata: Array.from({ length: partitions }, (_, partitionId) => ({
      partitionId,
      leader: 0,
      replicas: [0],
      isr: [0],
      partitionErrorCode: 0,
    })),
    message: { key, value: null },
  });
}
