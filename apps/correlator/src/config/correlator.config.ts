import { z } from 'zod';
import {
  clusterId,
  flag,
  list,
  nonNegativeInt,
  parseConfig,
  port,
  positiveInt,
  readEnv,
  secretVariable,
  type EnvLayoutFor,
} from '#config';

/** Everything the correlator role is configured with, validated once at start. */
export const CorrelatorConfigSchema = z.object({
  cluster: clusterId.default('default'),
  http: z.object({ host: z.string().default('0.0.0.0'), port: port.default(8083) }).prefault({}),
  grpc: z
    .object({
      host: z.string().default('0.0.0.0'),
      /** 0 picks a free port (tests). */
      port: port.default(50051),
      /** Server TLS; both or neither. */
      tls: z.object({ certFile: z.string().min(1), keyFile: z.string().min(1) }).optional(),
      /** Bearer tokens accepted in `authorization` metadata; none means no authentication. */
      authTokens: list(z.array(z.string().min(16, 'an auth token must have at least 16 characters'))).default(
        [],
      ),
      /** How long shutdown waits for calls in flight before cancelling them. */
      shutdownGraceMs: positiveInt.default(5_000),
    })
    .prefault({}),
  watch: z
    .object({
      /** Recent changes kept for WatchChanges' `since` replay; older history is GetTimeline's job. */
      replayBufferSize: nonNegativeInt.default(20_000),
      /** Changes queued for a slow stream before it is ended with RESOURCE_EXHAUSTED. */
      maxQueuedPerStream: positiveInt.default(10_000),
    })
    .prefault({}),
  incidents: z
    .object({
      /** An anomaly joins an incident whose last anomaly is at most this much older (event time). */
      windowMs: positiveInt.default(15 * 60_000),
      /** Subjects connected within this many dependency-graph hops belong to one incident. */
      topologyDepth: positiveInt.max(6).default(3),
      /** An incident with no firing anomaly, or none new for this long, is resolved. */
      idleResolveMs: positiveInt.default(60 * 60_000),
      /** Re-ranking waits for anomalies to stop arriving for this long. */
      rerankDebounceMs: nonNegativeInt.default(2_000),
      topCauses: positiveInt.max(100).default(10),
      maxIncidents: positiveInt.default(1_000),
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
      callTimeoutMs: positiveInt.default(5_000),
      attempts: positiveInt.max(20).default(5),
      initialBackoffMs: positiveInt.default(200),
      maxBackoffMs: positiveInt.default(10_000),
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
export type CorrelatorConfig = z.output<typeof CorrelatorConfigSchema>;
export type CorrelatorConfigInput = z.input<typeof CorrelatorConfigSchema>;

export const CORRELATOR_CONFIG = Symbol('CORRELATOR_CONFIG');

/** The variable behind each setting (docs/configuration.md); settings without one keep their default. */
export const CORRELATOR_ENV = {
  cluster: 'IA_CLUSTER_ID',
  http: { host: 'CORRELATOR_HTTP_HOST', port: 'CORRELATOR_HTTP_PORT' },
  grpc: {
    host: 'CORRELATOR_GRPC_HOST',
    port: 'CORRELATOR_GRPC_PORT',
    tls: { certFile: 'CORRELATOR_GRPC_TLS_CERT_FILE', keyFile: 'CORRELATOR_GRPC_TLS_KEY_FILE' },
    authTokens: secretVariable('CORRELATOR_GRPC_AUTH_TOKENS'),
    shutdownGraceMs: 'CORRELATOR_GRPC_SHUTDOWN_GRACE_MS',
  },
  watch: { replayBufferSize: 'CORRELATOR_WATCH_REPLAY_BUFFER' },
  incidents: {
    windowMs: 'CORRELATOR_INCIDENT_WINDOW_MS',
    topologyDepth: 'CORRELATOR_INCIDENT_TOPOLOGY_DEPTH',
    rerankDebounceMs: 'CORRELATOR_INCIDENT_RERANK_DEBOUNCE_MS',
  },
  forwarder: {
    enabled: 'CORRELATOR_FORWARDER_ENABLED',
    address: 'CORRELATOR_FORWARDER_ADDRESS',
    apiKey: secretVariable('CORRELATOR_FORWARDER_API_KEY'),
    tls: 'CORRELATOR_FORWARDER_TLS',
    caFile: 'CORRELATOR_FORWARDER_CA_FILE',
    groupId: 'CORRELATOR_FORWARDER_GROUP_ID',
  },
} satisfies EnvLayoutFor<CorrelatorConfigInput>;

export function correlatorConfigFromEnv(env: NodeJS.ProcessEnv): CorrelatorConfigInput {
  return readEnv<CorrelatorConfigInput>(env, CORRELATOR_ENV);
}

/** Parses and explains: a bad setting stops the process at start with the setting's name, never a stack trace. */
export function parseCorrelatorConfig(input: CorrelatorConfigInput): CorrelatorConfig {
  return parseConfig(CorrelatorConfigSchema, input, 'correlator', CORRELATOR_ENV);
}
