import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Comma separated bootstrap servers of the broker prepared by test/setup/global-kafka.ts. */
    kafkaBrokers: string;
  }
}

/**
 * Bootstrap servers for e2e tests: the broker the global setup started or found (`inject('kafkaBrokers')`),
 * falling back to `KAFKA_BROKERS` (e.g. when called outside the e2e project).
 */
export function kafkaBrokers(): string[] {
  let injected: string | undefined;
  try {
    injected = inject('kafkaBrokers');
  } catch {
    injected = undefined; // not running inside a vitest worker
  }
  const value = injected || process.env.KAFKA_BROKERS;
  if (!value) {
    throw new Error('No Kafka broker: run the e2e project (global setup starts one) or set KAFKA_BROKERS');
  }
  return value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

/**
 * A unique, Kafka-legal prefix for topic names, consumer group ids and transactional ids, so tests can share one
 * broker (and re-run against a long-lived one) without seeing each other's data. Example:
 * `const p = uniqueTopicPrefix('watcher'); topic = `${p}.changes`; groupId = `${p}.group``.
 */
export function uniqueTopicPrefix(label = 'test'): string {
  const safe = label.replace(/[^a-zA-Z0-9_-]+/g, '-').slice(0, 60) || 'test';
  return `ia-${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
