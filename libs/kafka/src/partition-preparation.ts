import type { RecordHandler, TopicPartition } from './event-log.port.js';

export const tpKey = (tp: TopicPartition): string => `${tp.topic}:${tp.partition}`;

/**
 * Which assigned partitions the handler has prepared (RecordHandler.prepare/prepareAll). With several
 * partitions' batches in hand at once, the first batches of a new assignment start together: each partition
 * must still be rebuilt exactly once, so a batch whose partition is already being prepared (by a prepareAll
 * another batch started) waits for that instead of starting its own.
 */
export class PartitionPreparation {
  private readonly prepared = new Set<string>();
  private readonly pending = new Map<string, Promise<void>>();

  constructor(private readonly handler: RecordHandler) {}

  /** Keys of the partitions prepared so far. */
  keys(): string[] {
    return [...this.prepared];
  }

  /** The partition must be rebuilt before its next batch (its batch failed, or it was taken away). */
  forget(key: string): void {
    this.prepared.delete(key);
  }

  /**
   * Prepares `tp` unless done. A handler with prepareAll gets every other partition of `assigned` that is
   * neither prepared nor being prepared in the same call: a restore from a changelog then reads it once.
   */
  async ensure(
    tp: TopicPartition,
    assigned: ReadonlyMap<string, TopicPartition>,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const key = tpKey(tp);
    while (!this.prepared.has(key)) {
      const inFlight = this.pending.get(key);
      if (inFlight) {
        // If it fails, the batch that started it reports the error; this one tries on its own.
        await inFlight.catch(() => undefined);
        continue;
      }
      await this.start(tp, assigned, heartbeat);
    }
  }

  private async start(
    tp: TopicPartition,
    assigned: ReadonlyMap<string, TopicPartition>,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const { handler } = this;
    const key = tpKey(tp);
    const others = handler.prepareAll
      ? [...assigned].filter(([k]) => k !== key && !this.prepared.has(k) && !this.pending.has(k))
      : [];
    const keys = [key, ...others.map(([k]) => k)];
    const run = (async () => {
      if (handler.prepareAll) await handler.prepareAll([tp, ...others.map(([, p]) => p)], heartbeat);
      else await handler.prepare?.(tp, heartbeat);
      for (const k of keys) this.prepared.add(k);
    })();
    for (const k of keys) this.pending.set(k, run);
    try {
      await run;
    } finally {
      for (const k of keys) if (this.pending.get(k) === run) this.pending.delete(k);
    }
  }
}
