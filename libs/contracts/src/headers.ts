import { hash } from 'node:crypto';

/** CloudEvents 1.0 Kafka protocol binding, binary mode: attributes travel as `ce_` headers, data as the value. */
export const CE_SPECVERSION = '1.0';

export const CE_TYPES = {
  rawEvent: 'io.incident-assistant.raw-event.v1',
  objectState: 'io.incident-assistant.object-state.v1',
  change: 'io.incident-assistant.change.v1',
  anomaly: 'io.incident-assistant.anomaly.v1',
} as const;
export type CeType = (typeof CE_TYPES)[keyof typeof CE_TYPES];

export interface CloudEventHeaders {
  ce_id: string;
  ce_type: CeType;
  ce_source: string;
  ce_time: string;
  ce_specversion: string;
  'content-type': 'application/json';
  [extra: string]: string;
}

export function cloudEventHeaders(args: {
  id: string;
  type: CeType;
  source: string;
  time: string;
}): CloudEventHeaders {
  return {
    ce_id: args.id,
    ce_type: args.type,
    ce_source: args.source,
    ce_time: args.time,
    ce_specversion: CE_SPECVERSION,
    'content-type': 'application/json',
  };
}

/**
 * Marks a record of the objects topic that is the differ's own bookkeeping (a per-partition checkpoint of the
 * last completed snapshot), not a Kubernetes object: readers building a view of the cluster skip it.
 */
export const BOOKKEEPING_HEADER = 'ia_differ_checkpoint';

/** Dead-letter headers, added beside the original message's own headers. */
export const DLQ_HEADERS = {
  reason: 'ia_dlq_reason',
  sourceTopic: 'ia_dlq_source_topic',
  sourcePartition: 'ia_dlq_source_partition',
  sourceOffset: 'ia_dlq_source_offset',
  consumerGroup: 'ia_dlq_consumer_group',
  failedAt: 'ia_dlq_failed_at',
} as const;

/** Short stable digest for deterministic ids. */
export function stableId(...parts: readonly (string | number | null | undefined)[]): string {
  // One-shot hash: no Hash object per id (ids are computed for every record the differ writes).
  let text = parts.length > 0 ? String(parts[0] ?? '') : '';
  for (let i = 1; i < parts.length; i++) text += `\u0000${String(parts[i] ?? '')}`;
  return hash('sha256', text, 'hex').slice(0, 32);
}
