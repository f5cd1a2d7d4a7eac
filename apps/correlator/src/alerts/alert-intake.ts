import { CE_TYPES, encodeMessage, anomalyKey, TOPICS, type AnomalySignal } from '#contracts';
import { toLogRecord, type EventLog } from '#kafka';
import { componentLogger } from '#observability';
import type { AlertSink } from '../http/alert-sink.js';
import { alertsToSignals } from './alertmanager-mapper.js';

const log = componentLogger('alert-intake');

export interface AlertIntakeOptions {
  /** Cluster the alerts are about unless an alert carries a `cluster` label. */
  cluster: string;
  /** `ce_source` of the published records. */
  source?: string;
}

/**
 * Takes Alertmanager notifications in (the webhook and the replay command both call it) and publishes their alerts
 * as AnomalySignals on the anomalies topic, keyed like the differ's signals (by the workload they concern), so an
 * alert and the pod signals of the same workload stay in one partition, in order.
 */
export class AlertIntake implements AlertSink {
  private readonly source: string;
  private topicsReady?: Promise<void>;

  constructor(
    private readonly log: EventLog,
    private readonly options: AlertIntakeOptions,
  ) {
    this.source = options.source ?? 'incident-assistant/alertmanager';
  }

  async accept(payload: unknown, receivedAt: Date): Promise<number> {
    const signals = alertsToSignals(payload, receivedAt, this.options.cluster);
    if (signals.length === 0) return 0;
    this.topicsReady ??= this.log.ensureTopics([TOPICS.anomalies]);
    await this.topicsReady;
    await this.log.publish(
      TOPICS.anomalies.name,
      signals.map((s) => this.record(s)),
    );
    log.debug({ alerts: signals.length }, 'published alert signals');
    return signals.length;
  }

  private record(s: AnomalySignal) {
    return toLogRecord(encodeMessage(s), {
      key: anomalyKey(s),
      type: CE_TYPES.anomaly,
      source: this.source,
      id: s.anomalyId,
      time: s.observedAt,
    });
  }
}
