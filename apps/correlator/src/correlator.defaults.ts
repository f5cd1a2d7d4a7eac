import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { CausalityEngine, type CorrelationEngine } from '#correlation';
import type { EventLog } from '#kafka';
import { AlertIntake } from './alerts/alert-intake.js';
import type { CorrelatorConfig } from './config/correlator.config.js';
import { CorrelatorProcessor } from './correlator.processor.js';
import type { EngineFeeder } from './correlator.runtime.js';
import type { AlertSink } from './http/alert-sink.js';

/**
 * The production implementations behind CorrelatorModule's defaults, in one place: the ranking engine, the
 * CorrelatorProcessor and the alert intake.
 */
export function defaultEngine(config: Pick<CorrelatorConfig, 'cluster'>): CorrelationEngine {
  return new CausalityEngine({ defaultCluster: config.cluster });
}

/**
 * Recovery: the engine lives in memory, so every start must rebuild it from the beginning of the topics (objects
 * is compacted, changes and anomalies are kept 30 days). A consumer group of its own per process start, reading
 * from the earliest offset, does that with the EventLog port as it is; committed offsets of a shared group would
 * make a restarted correlator skip its history. Old per-process groups expire with the broker's
 * offsets.retention.minutes.
 */
export function defaultFeeder(
  log: EventLog,
  engine: CorrelationEngine,
  _config: CorrelatorConfig,
): EngineFeeder {
  const groupId = `ia-correlator-${hostname().replace(/[^a-zA-Z0-9._-]/g, '-')}-${randomUUID().slice(0, 8)}`;
  const processor = new CorrelatorProcessor(log, engine, { groupId });
  return {
    start: () => processor.start(),
    stop: () => processor.stop(),
    // Until the processor reports reaching the end offsets sampled at start, "caught up" is: the engine has
    // stopped growing for a second (the consumer has drained what was there).
    caughtUp: () => quiescent(engine, log.kind === 'kafka' ? 5_000 : 1_000),
  };
}

async function quiescent(engine: CorrelationEngine, quietMs: number): Promise<void> {
  const size = () => JSON.stringify(engine.stats());
  let last = size();
  let since = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 100));
    const now = size();
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) {
      return;
    }
  }
}

export function defaultAlertSink(log: EventLog, config: CorrelatorConfig): AlertSink {
  return new AlertIntake(log, {
    cluster: config.cluster,
    source: 'incident-assistant/correlator/alertmanager',
  });
}
