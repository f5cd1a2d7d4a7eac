import { registerAs } from '@nestjs/config';
import { z } from 'zod';
import { DEFAULT_PARTITIONS_CONCURRENTLY } from '../differ.options.js';

const flag = z.preprocess((v) => (typeof v === 'string' ? v === 'true' || v === '1' : v), z.boolean());
const kinds = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v),
  z.array(z.string().regex(/^[A-Za-z][A-Za-z0-9]*$/, 'a kind is a Kubernetes Kind, e.g. Lease')),
);
const IgnoreRuleSchema = z.object({
  group: z.string().optional(),
  kind: z.string().min(1),
  jsonPointers: z.array(z.string().regex(/^(\/[^/]*)+$/, 'a JSON pointer starts with /')).min(1),
});

/** Everything the differ role reads from its environment, validated once at start. */
export const DifferConfigSchema = z.object({
  http: z
    .object({
      host: z.string().default('0.0.0.0'),
      port: z.coerce.number().int().min(0).max(65_535).default(8082),
    })
    .prefault({}),
  groupId: z.string().min(1).default('ia-differ'),
  /** Kinds dropped on arrival; unset keeps the defaults (Lease, Endpoints, EndpointSlice). */
  ignoreKinds: kinds.optional(),
  /** Per-kind JSON pointers left out of diffs, like Argo CD's ignoreDifferences: a JSON array of rules. */
  ignoreDifferences: z
    .preprocess((v) => (typeof v === 'string' ? JSON.parse(v) : v), z.array(IgnoreRuleSchema))
    .default([]),
  controllerOwnedKinds: kinds.optional(),
  maxMessageBytes: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(1_000_000),
  logChanges: flag.default(true),
  /** Raw-events partitions processed at once; see DifferOptions.partitionsConcurrently. */
  partitionsConcurrently: z.coerce.number().int().min(1).max(64).default(DEFAULT_PARTITIONS_CONCURRENTLY),
});
export type DifferConfig = z.infer<typeof DifferConfigSchema>;
export type DifferConfigInput = z.input<typeof DifferConfigSchema>;

export const DIFFER_CONFIG = Symbol('DIFFER_CONFIG');

/** Maps DIFFER_* variables onto the schema's shape; validation and defaults happen in the schema. */
export function differConfigFromEnv(env: NodeJS.ProcessEnv): DifferConfigInput {
  const e = (name: string) => env[`DIFFER_${name}`] || undefined;
  return {
    http: { host: e('HTTP_HOST'), port: e('HTTP_PORT') as never },
    groupId: e('GROUP_ID'),
    ignoreKinds: e('IGNORE_KINDS') as never,
    ignoreDifferences: e('IGNORE_DIFFERENCES') as never,
    controllerOwnedKinds: e('CONTROLLER_OWNED_KINDS') as never,
    maxMessageBytes: (env.KAFKA_MAX_MESSAGE_BYTES || undefined) as never,
    logChanges: e('LOG_CHANGES') as never,
    partitionsConcurrently: e('PARTITIONS_CONCURRENTLY') as never,
  };
}

/** Parses and explains: a bad setting stops the process at start with the setting's name. */
export function parseDifferConfig(input: DifferConfigInput): DifferConfig {
  let parsed;
  try {
    parsed = DifferConfigSchema.safeParse(input);
  } catch (err) {
    throw new Error(
      `invalid differ configuration: DIFFER_IGNORE_DIFFERENCES is not JSON (${(err as Error).message})`,
      { cause: err },
    );
  }
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid differ configuration: ${issues}`);
  }
  return parsed.data;
}

/** The @nestjs/config namespace `differ`, read from the process environment. */
export const differConfig = registerAs('differ', () => parseDifferConfig(differConfigFromEnv(process.env)));
