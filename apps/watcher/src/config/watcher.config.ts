import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { clusterId, flag, list, parseConfig, port, positiveInt, readEnv, type EnvLayoutFor } from '#config';
import { DEFAULT_EXCLUDED_GROUPS } from '../discovery/resource-filter.js';

/** ConfigMap keys whose values are hashed like Secret values unless IA_CONFIGMAP_REDACT_KEYS says otherwise. */
export const DEFAULT_CONFIGMAP_REDACT_KEYS =
  'password|passwd|secret|token|credential|api[-_]?key|private[-_]?key';

const names = list(z.array(z.string()));

/** Everything the watcher role is configured with, validated once at start, in the shape WatcherAgent takes. */
export const WatcherConfigSchema = z.object({
  cluster: clusterId.default('default'),
  kube: z
    .object({
      kubeconfig: z.string().optional(),
      context: z.string().optional(),
      inCluster: flag.default(false),
    })
    .prefault({}),
  /** API groups (`core` for the core group), kinds and namespaces watched; empty includes mean all. */
  filter: z
    .object({
      includeGroups: names.default([]),
      excludeGroups: names.default([...DEFAULT_EXCLUDED_GROUPS]),
      includeKinds: names.default([]),
      excludeKinds: names.default([]),
      includeNamespaces: names.default([]),
      excludeNamespaces: names.default([]),
    })
    .prefault({}),
  watch: z
    .object({
      rediscoverySeconds: positiveInt.default(60),
      pageSize: positiveInt.default(500),
      bufferCapacity: positiveInt.default(10_000),
      bufferBytes: positiveInt.default(16 * 2 ** 20),
      publishBatch: positiveInt.default(1_000),
      idleTimeoutSeconds: positiveInt.default(300),
    })
    .prefault({})
    // Operators count in seconds, the agent in milliseconds.
    .transform(({ rediscoverySeconds, idleTimeoutSeconds, ...watch }) => ({
      ...watch,
      rediscoveryMs: rediscoverySeconds * 1000,
      idleTimeoutMs: idleTimeoutSeconds * 1000,
    })),
  redaction: z
    .object({
      hmacKey: z.string().min(16, 'IA_SECRET_HMAC_KEY must be at least 16 characters').optional(),
      /** Development only: a throwaway key per process when none is given (hashes change at every restart). */
      generateKey: flag.default(false),
      /** A case-insensitive regular expression of ConfigMap keys whose values are hashed too. */
      configMapKeys: z.string().default(DEFAULT_CONFIGMAP_REDACT_KEYS),
    })
    .prefault({})
    .superRefine((r, ctx) => {
      if (!r.hmacKey && !r.generateKey) {
        ctx.addIssue({
          code: 'custom',
          path: ['hmacKey'],
          message:
            'IA_SECRET_HMAC_KEY is required: Secret values are published only as HMAC hashes under this key. ' +
            'Set it from a Kubernetes Secret, or set IA_DEV_GENERATE_HMAC_KEY=true for a throwaway key (development only).',
        });
      }
      try {
        new RegExp(r.configMapKeys, 'i');
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['configMapKeys'], message: String(err) });
      }
    })
    // SecretRedactor's options.
    .transform((r) => ({
      hmacKey: r.hmacKey ?? randomBytes(32).toString('hex'),
      generatedKey: !r.hmacKey,
      configMapKeyPatterns: r.configMapKeys ? [new RegExp(r.configMapKeys, 'i')] : [],
    })),
  /** /healthz, /readyz and /metrics, on every interface. */
  http: z.object({ port: port.default(8081) }).prefault({}),
});
export type WatcherConfig = z.output<typeof WatcherConfigSchema>;
export type WatcherConfigInput = z.input<typeof WatcherConfigSchema>;

export const WATCHER_CONFIG = Symbol('WATCHER_CONFIG');

/**
 * The variable behind each setting (docs/configuration.md). The record size limit is the Kafka connection's
 * (KAFKA_MAX_MESSAGE_BYTES), read once with it.
 */
export const WATCHER_ENV = {
  cluster: 'IA_CLUSTER_ID',
  kube: { kubeconfig: 'KUBECONFIG', context: 'IA_KUBE_CONTEXT', inCluster: 'IA_KUBE_IN_CLUSTER' },
  filter: {
    includeGroups: 'IA_WATCH_INCLUDE_GROUPS',
    excludeGroups: 'IA_WATCH_EXCLUDE_GROUPS',
    includeKinds: 'IA_WATCH_INCLUDE_KINDS',
    excludeKinds: 'IA_WATCH_EXCLUDE_KINDS',
    includeNamespaces: 'IA_WATCH_INCLUDE_NAMESPACES',
    excludeNamespaces: 'IA_WATCH_EXCLUDE_NAMESPACES',
  },
  watch: {
    rediscoverySeconds: 'IA_WATCH_REDISCOVERY_SECONDS',
    pageSize: 'IA_WATCH_PAGE_SIZE',
    bufferCapacity: 'IA_WATCH_BUFFER_CAPACITY',
    bufferBytes: 'IA_WATCH_BUFFER_BYTES',
    publishBatch: 'IA_WATCH_PUBLISH_BATCH',
    idleTimeoutSeconds: 'IA_WATCH_IDLE_TIMEOUT_SECONDS',
  },
  redaction: {
    hmacKey: 'IA_SECRET_HMAC_KEY',
    generateKey: 'IA_DEV_GENERATE_HMAC_KEY',
    configMapKeys: 'IA_CONFIGMAP_REDACT_KEYS',
  },
  http: { port: 'WATCHER_HTTP_PORT' },
} satisfies EnvLayoutFor<WatcherConfigInput>;

export function watcherConfigFromEnv(env: NodeJS.ProcessEnv): WatcherConfigInput {
  return readEnv<WatcherConfigInput>(env, WATCHER_ENV);
}

/** Parses and explains: every bad setting at once, each with its variable (e.g. a missing IA_SECRET_HMAC_KEY). */
export function parseWatcherConfig(input: WatcherConfigInput): WatcherConfig {
  return parseConfig(WatcherConfigSchema, input, 'watcher', WATCHER_ENV);
}
