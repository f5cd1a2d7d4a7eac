import { TOPICS } from '#contracts';
import type { ConsumerHandle, EventLog } from '#kafka';
import { componentLogger } from '#observability';
import { DifferHandler } from './differ.handler.js';
import { resolveDifferOptions, type DifferOptions, type ResolvedDifferOptions } from './differ.options.js';

export type { DifferOptions } from './differ.options.js';

const log = componentLogger('differ');

/**
 * The differ role: consumes raw lifecycle events and publishes the object changelog (its state store), change
 * events and anomaly signals. Works on any EventLog: Kafka in production, the in-process log in all-in-one
 * mode and replay.
 */
export class DifferProcessor {
  private readonly options: ResolvedDifferOptions;
  private readonly handler: DifferHandler;
  private consumer?: ConsumerHandle;
  private joined = false;

  constructor(
    private readonly log: EventLog,
    options: DifferOptions = {},
  ) {
    this.options = resolveDifferOptions(options);
    this.handler = new DifferHandler(log, this.options);
  }

  async start(): Promise<void> {
    if (this.consumer) return;
    await this.log.ensureTopics([
      TOPICS.rawEvents,
      TOPICS.objects,
      TOPICS.changes,
      TOPICS.anomalies,
      TOPICS.deadLetter,
    ]);
    this.consumer = await this.log.consume({
      groupId: this.options.groupId,
      topics: [TOPICS.rawEvents.name],
      handler: this.handler,
      // The handler buffers its output per partition (DifferOutput), as this requires.
      partitionsConcurrently: this.options.partitionsConcurrently,
    });
    void this.consumer.ready().then(() => (this.joined = true));
    log.info({ groupId: this.options.groupId, log: this.log.kind }, 'differ started');
  }

  /** Finishes the batch in hand, publishes its output, commits and leaves the group. */
  async stop(): Promise<void> {
    const consumer = this.consumer;
    this.consumer = undefined;
    this.joined = false;
    if (consumer) {
      await consumer.stop();
      log.info({ groupId: this.options.groupId }, 'differ stopped');
    }
  }

  /** Readiness: joined the group and no assigned partition is still being restored from the changelog. */
  readiness(): { ready: boolean; detail: { joined: boolean; restoringPartitions: number; objects: number } } {
    const detail = {
      joined: this.joined,
      restoringPartitions: this.handler.restoringPartitions,
      objects: this.handler.objectCount,
    };
    return { ready: this.joined && detail.restoringPartitions === 0, detail };
  }
}
