import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DEFAULT_EXCLUDED_GROUPS } from '../discovery/resource-filter.js';

const splitList = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
const list = z.string().optional().transform(splitList);
const int = (def: number) => z.coerce.number().int().positive().default(def);
const flag = z
  .enum(['true', 'false', '1', '0', ''])
  .optional()
  .transform((v) => v === 'true' || v === '1');

/** ConfigMap keys whose values are hashed like Secret values unless IA_CONFIGMAP_REDACT_KEYS says otherwise. */
export const DEFAULT_CONFIGMAP_REDACT_KEYS =
  'password|passwd|secret|token|credential|api[-_]?key|private[-_]?key';

/** Environment of the watcher role (names as an operator sets them), validated at startup. */
export const WatcherEnvSchema = z
  .object({
    IA_CLUSTER_ID: z
      .string()
      .regex(/^[a-zA-Z0-9._-]+$/, 'letters, digits, . _ - only')
      .default('default'),
    KUBECONFIG: z.string().optional(),
    IA_KUBE_CONTEXT: z.string().optional(),
    IA_KUBE_IN_CLUSTER: flag,
    IA_WATCH_INCLUDE_GROUPS: list,
    IA_WATCH_EXCLUDE_GROUPS: z.string().default(DEFAULT_EXCLUDED_GROUPS.join(',')).transform(splitList),
    IA_WATCH_INCLUDE_KINDS: list,
    IA_WATCH_EXCLUDE_KINDS: list,
    IA_WATCH_INCLUDE_NAMESPACES: list,
    IA_WATCH_EXCLUDE_NAMESPACES: list,
    IA_WATCH_REDISCOVERY_SECONDS: int(60),
    IA_WATCH_PAGE_SIZE: int(500),
    IA_WATCH_BUFFER_CAPACITY: int(10_000),
    IA_WATCH_BUFFER_BYTES: int(16 * 2 ** 20),
    IA_WATCH_PUBLISH_BATCH: int(1_000),
    IA_WATCH_IDLE_TIMEOUT_SECONDS: int(300),
    IA_SECRET_HMAC_KEY: z.string().min(16, 'IA_SECRET_HMAC_KEY must be at least 16 characters').optional(),
    IA_DEV_GENERATE_HMAC_KEY: flag,
    IA_CONFIGMAP_REDACT_KEYS: z.string().default(DEFAULT_CONFIGMAP_REDACT_KEYS),
    WATCHER_HTTP_PORT: z.coerce.number().int().min(0).max(65_535).default(8081),
  })
  .superRefine((env, ctx) => {
    if (!env.IA_SECRET_HMAC_KEY && !env.IA_DEV_GENERATE_HMAC_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['IA_SECRET_HMAC_KEY'],
        message:
          'IA_SECRET_HMAC_KEY is required: Secret values are published only as HMAC hashes under this key. ' +
          'Set it from a Kubernetes Secret, or set IA_DEV_GENERATE_HMAC_KEY=true for a throwaway key (development only).',
      });
    }
    try {
      new RegExp(env.IA_CONFIGMAP_REDACT_KEYS, 'i');
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['IA_CONFIGMAP_REDACT_KEYS'], message: String(err) });
    }
  });

/** The watcher's settings in the shape WatcherAgent takes (the env names are only the operator's surface). */
export interface WatcherSettings {
  cluster: string;
  kube: { kubeconfig?: string; context?: string; inCluster: boolean };
  filter: {
    includeGroups: string[];
    excludeGroups: string[];
    includeKinds: string[];
    excludeKinds: string[];
    includeNamespaces: string[];
    excludeNamespaces: string[];
  };
  rediscoveryMs: number;
  pageSize: number;
  bufferCapacity: number;
  bufferBytes: number;
  publishBatch: number;
  idleTimeoutMs: number;
  redaction: { hmacKey: string; generatedKey: boolean; configMapKeyPatterns: RegExp[] };
  httpPort: number;
}

export class WatcherConfigError extends Error {
  override name = 'WatcherConfigError';
}

/** Validates the environment; throws a WatcherConfigError that lists every problem at once. */
export function watcherSettingsFromEnv(env: NodeJS.ProcessEnv): WatcherSettings {
  const parsed = WatcherEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('\n  ');
    throw new WatcherConfigError(`invalid watcher configuration:\n  ${issues}`);
  }
  const e = parsed.data;
  return {
    cluster: e.IA_CLUSTER_ID,
    kube: { kubeconfig: e.KUBECONFIG, context: e.IA_KUBE_CONTEXT, inCluster: e.IA_KUBE_IN_CLUSTER },
    filter: {
      includeGroups: e.IA_WATCH_INCLUDE_GROUPS,
      excludeGroups: e.IA_WATCH_EXCLUDE_GROUPS,
      includeKinds: e.IA_WATCH_INCLUDE_KINDS,
      excludeKinds: e.IA_WATCH_EXCLUDE_KINDS,
      includeNamespaces: e.IA_WATCH_INCLUDE_NAMESPACES,
      excludeNamespaces: e.IA_WATCH_EXCLUDE_NAMESPACES,
    },
    rediscoveryMs: e.IA_WATCH_REDISCOVERY_SECONDS * 1000,
    pageSize: e.IA_WATCH_PAGE_SIZE,
    bufferCapacity: e.IA_WATCH_BUFFER_CAPACITY,
    bufferBytes: e.IA_WATCH_BUFFER_BYTES,
    publishBatch: e.IA_WATCH_PUBLISH_BATCH,
    idleTimeoutMs: e.IA_WATCH_IDLE_TIMEOUT_SECONDS * 1000,
    redaction: {
      hmacKey: e.IA_SECRET_HMAC_KEY ?? randomBytes(32).toString('hex'),
      generatedKey: !e.IA_SECRET_HMAC_KEY,
      configMapKeyPatterns: e.IA_CONFIGMAP_REDACT_KEYS ? [new RegExp(e.IA_CONFIGMAP_REDACT_KEYS, 'i')] : [],
    },
    httpPort: e.WATCHER_HTTP_PORT,
  };
}
