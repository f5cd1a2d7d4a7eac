import { createHmac } from 'node:crypto';

/** Prefix of every hashed value, so readers (and tests) can tell a hash from a value. */
export const HASH_PREFIX = 'hmac-sha256:';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface RedactionOptions {
  /** HMAC key provided by the operator. Keyed so that equal values are not recognisable across installations. */
  hmacKey: string;
  /** ConfigMap keys whose values are hashed too (e.g. /password|token|secret/i). */
  configMapKeyPatterns?: readonly RegExp[];
}

/**
 * Replaces secret values with keyed hashes before anything leaves the process that read them. A rotation still
 * shows as a change (the hash moves); the value never travels.
 */
export class SecretRedactor {
  constructor(private readonly options: RedactionOptions) {
    if (!options.hmacKey) throw new Error('an HMAC key for secret hashing is required');
  }

  hash(value: string): string {
    return HASH_PREFIX + createHmac('sha256', this.options.hmacKey).update(value).digest('hex').slice(0, 32);
  }

  /** Returns a copy of a Kubernetes object with secret material hashed; other kinds pass through unchanged. */
  redact<T extends Record<string, unknown>>(object: T): T {
    const kind = object.kind;
    if (kind === 'Secret') return this.redactSecret(object);
    if (kind === 'ConfigMap' && this.options.configMapKeyPatterns?.length)
      return this.redactConfigMap(object);
    return object;
  }

  private redactSecret<T extends Record<string, unknown>>(object: T): T {
    const out: Record<string, unknown> = { ...object };
    for (const field of ['data', 'stringData'] as const) {
      const values = object[field];
      if (values && typeof values === 'object') {
        out[field] = Object.fromEntries(
          Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, this.hash(String(v))]),
        );
      }
    }
    const metadata = object.metadata as { annotations?: Record<string, string> } | undefined;
    if (metadata?.annotations?.[LAST_APPLIED] !== undefined) {
      out.metadata = {
        ...metadata,
        annotations: {
          ...metadata.annotations,
          [LAST_APPLIED]: this.hash(metadata.annotations[LAST_APPLIED]),
        },
      };
    }
    return out as T;
  }

  private redactConfigMap<T extends Record<string, unknown>>(object: T): T {
    const data = object.data as Record<string, string> | undefined;
    if (!data) return object;
    const patterns = this.options.configMapKeyPatterns ?? [];
    return {
      ...object,
      data: Object.fromEntries(
        Object.entries(data).map(([k, v]) => [k, patterns.some((p) => p.test(k)) ? this.hash(v) : v]),
      ),
    };
  }
}
