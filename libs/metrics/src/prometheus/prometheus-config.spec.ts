import { describe, expect, it } from 'vitest';
import { describePrometheusConfig, prometheusConfigFromEnv, safeUrl } from './prometheus-config.js';

describe('prometheusConfigFromEnv', () => {
  it('is undefined without PROMETHEUS_URL, or with an empty one: metrics are optional', () => {
    expect(prometheusConfigFromEnv({})).toBeUndefined();
    expect(prometheusConfigFromEnv({ PROMETHEUS_URL: ' ', PROMETHEUS_STACK: 'linkerd' })).toBeUndefined();
  });

  it('has safe defaults: istio + cadvisor, a minute step, 10 s, 2 retries, 4 in flight, TLS verified', () => {
    expect(prometheusConfigFromEnv({ PROMETHEUS_URL: 'http://prometheus:9090' })).toEqual({
      url: 'http://prometheus:9090',
      auth: { kind: 'none' },
      tls: { insecureSkipVerify: false },
      timeoutMs: 10_000,
      retries: 2,
      maxConcurrency: 4,
      cacheTtlMs: 60_000,
      maxSeries: 2_000,
      maxResponseBytes: 64 * 1024 * 1024,
      stepMs: 60_000,
      requestStack: 'istio',
      resourceStack: 'cadvisor',
      queries: {},
    });
  });

  it('reads every setting', () => {
    const c = prometheusConfigFromEnv({
      PROMETHEUS_URL: 'https://mimir.example/prometheus',
      PROMETHEUS_TOKEN_FILE: '/var/run/secrets/token',
      PROMETHEUS_CA_FILE: '/etc/ca.pem',
      PROMETHEUS_CERT_FILE: '/etc/tls.crt',
      PROMETHEUS_KEY_FILE: '/etc/tls.key',
      PROMETHEUS_TIMEOUT_MS: '2500',
      PROMETHEUS_RETRIES: '0',
      PROMETHEUS_MAX_CONCURRENCY: '8',
      PROMETHEUS_CACHE_TTL_MS: '0',
      PROMETHEUS_MAX_SERIES: '100',
      PROMETHEUS_STACK: 'recorded',
      PROMETHEUS_STEP: '30s',
      PROMETHEUS_RATE_WINDOW: '2m',
      PROMETHEUS_QUERY_LATENCY: 'my_latency{ns="{{namespace}}", w="{{workload}}"}',
    })!;
    expect(c).toMatchObject({
      auth: { kind: 'bearer-file', tokenFile: '/var/run/secrets/token' },
      tls: {
        caFile: '/etc/ca.pem',
        certFile: '/etc/tls.crt',
        keyFile: '/etc/tls.key',
        insecureSkipVerify: false,
      },
      timeoutMs: 2500,
      retries: 0,
      maxConcurrency: 8,
      cacheTtlMs: 0,
      maxSeries: 100,
      stepMs: 30_000,
      rateWindowMs: 120_000,
      // A recorded request stack reads recorded resources too, unless told otherwise.
      requestStack: 'recorded',
      resourceStack: 'recorded',
      queries: { request_latency_ms: 'my_latency{ns="{{namespace}}", w="{{workload}}"}' },
    });
    expect(
      prometheusConfigFromEnv({
        PROMETHEUS_URL: 'http://p',
        PROMETHEUS_USERNAME: 'ia',
        PROMETHEUS_PASSWORD_FILE: '/p',
      })!.auth,
    ).toEqual({ kind: 'basic-file', username: 'ia', passwordFile: '/p' });
  });

  it('says which setting is wrong, and never echoes a secret', () => {
    const secret = 's3cr3t-t0ken-value';
    const fail = (env: Record<string, string>) => {
      try {
        prometheusConfigFromEnv({ PROMETHEUS_TOKEN: secret, ...env });
      } catch (err) {
        expect((err as Error).message).not.toContain(secret);
        return (err as Error).message;
      }
      throw new Error('expected a failure');
    };
    expect(fail({ PROMETHEUS_URL: 'ftp://p' })).toMatch(/PROMETHEUS_URL: must be http/);
    expect(fail({ PROMETHEUS_URL: `http://user:${secret}@p` })).toMatch(
      /PROMETHEUS_URL: must not hold credentials/,
    );
    expect(fail({ PROMETHEUS_URL: 'http://p', PROMETHEUS_TOKEN_FILE: '/t' })).toMatch(/give one/);
    expect(fail({ PROMETHEUS_URL: 'http://p', PROMETHEUS_USERNAME: 'u' })).toMatch(
      /bearer token and basic auth/,
    );
    expect(fail({ PROMETHEUS_URL: 'http://p', PROMETHEUS_STEP: 'often' })).toMatch(/PROMETHEUS_STEP 'often'/);
    expect(fail({ PROMETHEUS_URL: 'http://p', PROMETHEUS_STACK: 'consul' })).toMatch(/PROMETHEUS_STACK/);
    expect(fail({ PROMETHEUS_URL: 'http://p', PROMETHEUS_TIMEOUT_MS: 'soon' })).toMatch(
      /PROMETHEUS_TIMEOUT_MS/,
    );
    expect(fail({ PROMETHEUS_URL: 'http://p', PROMETHEUS_CERT_FILE: '/c' })).toMatch(/go together/);
    expect(fail({ PROMETHEUS_URL: 'http://p', PROMETHEUS_QUERY_CPU: 'up' })).toMatch(
      /PROMETHEUS_QUERY_CPU: query template: it must select the namespace/,
    );
    expect(() => prometheusConfigFromEnv({ PROMETHEUS_PASSWORD: secret })).not.toThrow(); // no URL: off
  });

  it('describes itself for logs without a secret', () => {
    const c = prometheusConfigFromEnv({
      PROMETHEUS_URL: 'https://p.example:9090/prom?x=1',
      PROMETHEUS_USERNAME: 'ia',
      PROMETHEUS_PASSWORD: 'hunter2',
    })!;
    const text = JSON.stringify(describePrometheusConfig(c));
    expect(text).not.toContain('hunter2');
    expect(text).toContain('"auth":"basic"');
    expect(safeUrl('https://a:b@p.example/prom/?q=1#x')).toBe('https://p.example/prom');
  });
});
