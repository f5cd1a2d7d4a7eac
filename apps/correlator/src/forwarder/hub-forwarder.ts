import { ChangeEventSchema, decodeMessage, TOPICS } from '#contracts';
import { backoffDelay, sleep, type ConsumedRecord, type ConsumerHandle, type EventLog } from '#kafka';
import { componentLogger, counter } from '#observability';
import type { CorrelatorConfig } from '../config/correlator.config.js';
import { HubClient, HubRejection } from './hub-client.js';
import { toHubEvent } from './hub-event.js';

const log = componentLogger('hub-forwarder');
const forwarded = counter({
  name: 'ia_hub_forwarded_total',
  help: 'Change events sent to the legacy hub, by outcome (acknowledged, dead_lettered).',
  labelNames: ['outcome'],
});
const hubRetries = counter({
  name: 'ia_hub_retries_total',
  help: 'Retries of EmitEvent calls to the legacy hub.',
});

/** Marks a failure the consumer must not retry again: runBatch dead-letters it with this message as reason. */
class GaveUp extends Error {
  readonly retryable = false;
  constructor(message: string) {
    super(message);
    this.name = 'HubForwardingFailed';
  }
}

/**
 * Forwards change events to the legacy hub (kube_controller_event.EventService/EmitEvent). It consumes the
 * changes topic in its own consumer group, so a slow or absent hub delays only the forwarder, never the
 * correlator. Each event is tried a bounded number of times with jittered exponential backoff, then written
 * to the dead-letter topic with the reason, and the forwarder moves on.
 */
export class HubForwarder {
  private consumer?: ConsumerHandle;
  private readonly client: HubClient;
  private readonly abort = new AbortController();

  constructor(
    private readonly log: EventLog,
    private readonly settings: CorrelatorConfig['forwarder'],
  ) {
    this.client = new HubClient({
      address: settings.address!,
      apiKey: settings.apiKey!,
      tls: settings.tls,
      caFile: settings.caFile,
      callTimeoutMs: settings.callTimeoutMs,
    });
  }

  async start(): Promise<void> {
    this.consumer = await this.log.consume({
      groupId: this.settings.groupId,
      topics: [TOPICS.changes.name],
      // A new forwarder starts with what happens from now on, not 30 days of history.
      fromBeginning: false,
      handler: { handle: (record) => this.forward(record) },
    });
    log.info(
      { address: this.settings.address, tls: this.settings.tls, group: this.settings.groupId },
      'forwarding changes to the hub',
    );
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.consumer?.stop();
    this.client.close();
  }

  private async forward(record: ConsumedRecord): Promise<void> {
    const change = decodeMessage('ChangeEvent', ChangeEventSchema, record.value);
    const event = toHubEvent(change);
    const { attempts, initialBackoffMs, maxBackoffMs } = this.settings;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.client.emit(event);
        forwarded.inc({ outcome: 'acknowledged' });
        return;
      } catch (err) {
        const permanent = err instanceof HubRejection && err.permanent;
        if (permanent || attempt + 1 >= attempts || this.abort.signal.aborted) {
          forwarded.inc({ outcome: 'dead_lettered' });
          const why = permanent ? 'rejected' : `failed after ${attempt + 1} attempts`;
          log.warn(
            { changeId: change.changeId, resourceKey: event.resourceKey, err: String(err) },
            `hub ${why}; dead-lettering`,
          );
          throw new GaveUp(`hub forwarding ${why}: ${(err as Error).message}`);
        }
        hubRetries.inc();
        await sleep(
          backoffDelay(attempt, { initialMs: initialBackoffMs, maxMs: maxBackoffMs }),
          this.abort.signal,
        );
      }
    }
  }
}
