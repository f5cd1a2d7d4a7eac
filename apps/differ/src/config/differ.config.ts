import { z } from 'zod';
import { flag, json, list, parseConfig, port, positiveInt, readEnv, type EnvLayoutFor } from '#config';
import { DEFAULT_PARTITIONS_CONCURRENTLY } from '../differ.options.js';

const kinds = list(
  z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'a kind is a Kubernetes Kind, e.g. Lease')),
);
const IgnoreRuleSchema = z.object({
  group: z.string().optional(),
  kind: z.string().min(1),
  jsonPointers: z.array(z.string().regex(/^(\/[^/]*)+$/, 'a JSON pointer starts with /')).min(1),
});

/** Everything the differ role is configured with, validated once at start. */
export const DifferConfigSchema = z.object({
  http: z.object({ host: z.string().default('0.0.0.0'), port: port.default(8082) }).prefault({}),
  groupId: z.string().min(1).default('ia-differ'),
  /** Kinds dropped on arrival; unset keeps the defaults (Lease, Endpoints, EndpointSlice). */
  ignoreKinds: kinds.optional(),
  /** Per-kind JSON pointers left out of diffs, like Argo CD's ignoreDifferences: a JSON array of rules. */
  ignoreDifferences: json(z.array(IgnoreRuleSchema)).default([]),
  controllerOwnedKinds: kinds.optional(),
  logChanges: flag.default(true),
  /** Raw-events partitions processed at once; see DifferOptions.partitionsConcurrently. */
  partitionsConcurrently: positiveInt.max(64).default(DEFAULT_PARTITIONS_CONCURRENTLY),
});
export type DifferConfig = z.output<typeof DifferConfigSchema>;
export type DifferConfigInput = z.input<typeof DifferConfigSchema>;

export const DIFFER_CONFIG = Symbol('DIFFER_CONFIG');

/**
 * The variable behind each setting (docs/configuration.md). The record size limit is the Kafka connection's
 * (KAFKA_MAX_MESSAGE_BYTES), read once with it.
 */
export const DIFFER_ENV = {
  http: { host: 'DIFFER_HTTP_HOST', port: 'DIFFER_HTTP_PORT' },
  groupId: 'DIFFER_GROUP_ID',
  ignoreKinds: 'DIFFER_IGNORE_KINDS',
  ignoreDifferences: 'DIFFER_IGNORE_DIFFERENCES',
  controllerOwnedKinds: 'DIFFER_CONTROLLER_OWNED_KINDS',
  logChanges: 'DIFFER_LOG_CHANGES',
  partitionsConcurrently: 'DIFFER_PARTITIONS_CONCURRENTLY',
} satisfies EnvLayoutFor<DifferConfigInput>;

export function differConfigFromEnv(env: NodeJS.ProcessEnv): DifferConfigInput {
  return readEnv<DifferConfigInput>(env, DIFFER_ENV);
}

/** Parses and explains: a bad setting stops the process at start with the setting's name. */
export function parseDifferConfig(input: DifferConfigInput): DifferConfig {
  return parseConfig(DifferConfigSchema, input, 'differ', DIFFER_ENV);
}
