import { describe, expect, it } from 'vitest';
import { DEFAULT_EXCLUDED_GROUPS } from '../discovery/resource-filter.js';
import { parseWatcherConfig, watcherConfigFromEnv } from './watcher.config.js';

const KEY = 'k'.repeat(32);
const fromEnv = (env: NodeJS.ProcessEnv) => parseWatcherConfig(watcherConfigFromEnv(env));

describe('watcher configuration', () => {
  it('has working defaults, in the shape WatcherAgent takes', () => {
    const c = fromEnv({ IA_SECRET_HMAC_KEY: KEY });
    expect(c).toMatchObject({
      cluster: 'default',
      kube: { inCluster: false },
      filter: { includeGroups: [], excludeGroups: [...DEFAULT_EXCLUDED_GROUPS], excludeKinds: [] },
      watch: {
        rediscoveryMs: 60_000,
        pageSize: 500,
        bufferCapacity: 10_000,
        bufferBytes: 16 * 2 ** 20,
        publishBatch: 1_000,
        idleTimeoutMs: 300_000,
      },
      redaction: { hmacKey: KEY, generatedKey: false },
      http: { port: 8081 },
    });
    expect(c.redaction.configMapKeyPatterns.map((p) => p.test('DB_PASSWORD'))).toEqual([true]);
  });

  it('reads the operator variables', () => {
    const c = fromEnv({
      IA_CLUSTER_ID: 'prod-eu-1',
      KUBECONFIG: '/kube/config',
      IA_KUBE_CONTEXT: 'prod',
      IA_KUBE_IN_CLUSTER: 'true',
      IA_WATCH_INCLUDE_GROUPS: 'apps, batch',
      IA_WATCH_EXCLUDE_KINDS: 'Event,Lease',
      IA_WATCH_REDISCOVERY_SECONDS: '30',
      IA_WATCH_IDLE_TIMEOUT_SECONDS: '120',
      IA_SECRET_HMAC_KEY: KEY,
      IA_CONFIGMAP_REDACT_KEYS: '^pin$',
      WATCHER_HTTP_PORT: '9081',
    });
    expect(c).toMatchObject({
      cluster: 'prod-eu-1',
      kube: { kubeconfig: '/kube/config', context: 'prod', inCluster: true },
      filter: { includeGroups: ['apps', 'batch'], excludeKinds: ['Event', 'Lease'] },
      watch: { rediscoveryMs: 30_000, idleTimeoutMs: 120_000 },
      http: { port: 9081 },
    });
    expect(c.redaction.configMapKeyPatterns).toEqual([/^pin$/i]);
  });

  it('requires an HMAC key unless a throwaway one is asked for', () => {
    expect(() => fromEnv({})).toThrow(
      /invalid watcher configuration:\n✖ IA_SECRET_HMAC_KEY is required: .*IA_DEV_GENERATE_HMAC_KEY=true/,
    );
    expect(() => fromEnv({ IA_SECRET_HMAC_KEY: 'short' })).toThrow(
      /✖ IA_SECRET_HMAC_KEY must be at least 16 characters\n {2}→ at redaction\.hmacKey/,
    );
    const dev = fromEnv({ IA_DEV_GENERATE_HMAC_KEY: 'true' });
    expect(dev.redaction.generatedKey).toBe(true);
    expect(dev.redaction.hmacKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('lists every bad setting at once, each with its variable', () => {
    let message = '';
    try {
      fromEnv({
        IA_SECRET_HMAC_KEY: KEY,
        IA_CLUSTER_ID: 'prod/eu',
        IA_KUBE_IN_CLUSTER: 'yes',
        IA_WATCH_PAGE_SIZE: '0',
        IA_CONFIGMAP_REDACT_KEYS: 'pass(',
      });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toContain('✖ IA_CLUSTER_ID: letters, digits, . _ - only');
    expect(message).toContain('✖ IA_KUBE_IN_CLUSTER: expected true, false, 1 or 0');
    expect(message).toContain('✖ IA_WATCH_PAGE_SIZE: Too small');
    expect(message).toContain('✖ IA_CONFIGMAP_REDACT_KEYS: SyntaxError: Invalid regular expression');
  });
});
