import { readFileSync } from 'node:fs';
import { registerAs } from '@nestjs/config';
import { z } from 'zod';

const port = z.coerce.number().int().min(0).max(65_535);
const positiveMs = z.coerce.number().int().positive();
const flag = z.preprocess((v) => (typeof v === 'string' ? v === 'true' || v === '1' : v), z.boolean());

/** Everything the correlator role reads from its environment, validated once at start. */
export const CorrelatorConfigSchema = z.object({
  cluster: z.string().min(1).default('default'),
  http: z.object({ host: z.string().default('0.0.0.0'), port: port.default(8083) }).prefault({}),
  grpc: z
    .object({
      host: z.string().default('0.0.0.0'),
      /** 0 picks a free port (tests). */
      port: port.default(50051),
      /** Server TLS; both or neither. */
      tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
      /** Bearer tokens accepted in `authorization` metadata; none means no authentication. */
      authTokens: z.array(z.string().min(16, 'an auth token must have at least 16 characters')).default([]),
      /** How long shutdown waits for calls in flight before cancelling them. */
      shutdownGraceMs: positiveMs.default(5_000),
    })
    .prefault({}),
  watch: z
    .object({
      /** Recent changes kept for WatchChanges' `since` replay; older history is GetTimeline's job. */
      replayBufferSize: z.coerce.number().int().min(0).default(20_000),
      /** Changes queued for a slow stream before it is ended with RESOURCE_EXHAUSTED. */
      maxQueuedPerStream: z.coerce.number().int().positive().default(10_000),
    })
    .prefault({}),
  incidents: z
    .object({
      /** An anomaly joins an incident whose last anomaly is at most this much older (event time). */
      windowMs: positiveMs.default(15 * 60_000),
      /** Subjects connected within this many dependency-graph hops belong to one incident. */
      topologyDepth: z.coerce.number().int().min(1).max(6).default(3),
      /** An incident with no firing anomaly, or none new for this long, is resolved. */
      idleResolveMs: positiveMs.default(60 * 60_000),
      /** Re-ranking waits for anomalies to stop arriving for this long. */
      rerankDebounceMs: z.coerce.number().int().min(0).default(2_000),
      topCauses: z.coerce.number().int().min(1).max(100).default(10),
      maxIncidents: z.coerce.number().int().positive().default(1_000),
    })
    .prefault({}),
  forwarder: z
    .object({
      enabled: flag.default(false),
      /** host:port of the legacy hub's kube_controller_event.EventService. */
      address: z.string().optional(),
      apiKey: z.string().optional(),
      tls: flag.default(false),
      caFile: z.string().optional(),
      callTimeoutMs: positiveMs.default(5_000),
      attempts: z.coerce.number().int().min(1).max(20).default(5),
      initialBackoffMs: positiveMs.default(200),
      maxBackoffMs: positiveMs.default(10_000),
      groupId: z.string().min(1).default('ia-hub-forwarder'),
    })
    .prefault({})
    .refine((f) => !f.enabled || !!f.address, {
      message: 'CORRELATOR_FORWARDER_ADDRESS is required when the forwarder is enabled',
    })
    .refine((f) => !f.enabled || !!f.apiKey, {
      message:
        'the forwarder needs an API key (CORRELATOR_FORWARDER_API_KEY_FILE or CORRELATOR_FORWARDER_API_KEY)',
    }),
});
export type CorrelatorConfig = z.infer<typeof CorrelatorConfigSchema>;
export type CorrelatorConfigInput = z.input<typeof CorrelatorConfigSchema>;

export const CORRELATOR_CONFIG = Symbol('CORRELATOR_CONFIG');

/** A secret from a file mounted from a Kubernetes Secret (preferred) or from an env var; trimmed. */
function secret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) return readFileSync(file, 'utf8').trim();
  return env[name]?.trim() || undefined;
}

function list(value: string | undefined): string[] | undefined {
  return value
    ?.split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Maps CORRELATOR_* variables onto the schema's shape; validation (and defaults) happen in the schema. */
export function correlatorConfigFromEnv(env: NodeJS.ProcessEnv): CorrelatorConfigInput {
  const e = (name: string) => env[`CORRELATOR_${name}`] || undefined;
  const certFile = e('GRPC_TLS_CERT_FILE');
  const keyFile = e('GRPC_TLS_KEY_FILE');
  return {
    cluster: env.IA_CLUSTER_ID || undefined,
    http: { host: e('HTTP_HOST'), port: e('HTTP_PORT') as never },
    grpc: {
      host: e('GRPC_HOST'),
      port: e('GRPC_PORT') as never,
      tls: certFile || keyFile ? { certFile: certFile ?? '', keyFile: keyFile ?? '' } : undefined,
      authTokens: list(secret(env, 'CORRELATOR_GRPC_AUTH_TOKENS')),
      shutdownGraceMs: e('GRPC_SHUTDOWN_GRACE_MS') as never,
    },
    watch: { replayBufferSize: e('WATCH_REPLAY_BUFFER') as never },
    incidents: {
      windowMs: e('INCIDENT_WINDOW_MS') as never,
      topologyDepth: e('INCIDENT_TOPOLOGY_DEPTH') as never,
      rerankDebounceMs: e('INCIDENT_RERANK_DEBOUNCE_MS') as never,
    },
    forwarder: {
      enabled: e('FORWARDER_ENABLED') as never,
      address: e('FORWARDER_ADDRESS'),
      apiKey: secret(env, 'CORRELATOR_FORWARDER_API_KEY'),
      tls: e('FORWARDER_TLS') as never,
      caFile: e('FORWARDER_CA_FILE'),
      groupId: e('FORWARDER_GROUP_ID'),
    },
  };
}

/** Parses and explains: a bad setting stops the process at start with the setting's name, never a stack trace. */
export function parseCorrelatorConfig(input: CorrelatorConfigInput): CorrelatorConfig {
  const parsed = CorrelatorConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    throw new Error(`invalid correlator configuration: ${issues}`);
  }
  return parsed.data;
}

/** The @nestjs/config namespace `correlator`, read from the process environment. */
export const correlatorConfig = registerAs('correlator', () =>
  parseCorrelatorConfig(correlatorConfigFromEnv(process.env)),
);
