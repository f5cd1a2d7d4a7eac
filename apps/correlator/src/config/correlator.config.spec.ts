import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { correlatorConfigFromEnv, parseCorrelatorConfig } from './correlator.config.js';

describe('correlator configuration', () => {
  it('has working defaults', () => {
    const c = parseCorrelatorConfig(correlatorConfigFromEnv({}));
    expect(c.grpc).toMatchObject({ host: '0.0.0.0', port: 50051, authTokens: [] });
    expect(c.http.port).toBe(8083);
    expect(c.forwarder.enabled).toBe(false);
  });

  it('reads ports, TLS, tokens and the hub API key from env and mounted files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ia-config-'));
    writeFileSync(join(dir, 'api-key'), 'hub-secret-key\n');
    writeFileSync(join(dir, 'tokens'), 'token-aaaaaaaaaaaaaaaa\ntoken-bbbbbbbbbbbbbbbb\n');
    const c = parseCorrelatorConfig(
      correlatorConfigFromEnv({
        CORRELATOR_GRPC_PORT: '6000',
        CORRELATOR_HTTP_PORT: '9000',
        CORRELATOR_GRPC_TLS_CERT_FILE: '/tls/tls.crt',
        CORRELATOR_GRPC_TLS_KEY_FILE: '/tls/tls.key',
        CORRELATOR_GRPC_AUTH_TOKENS_FILE: join(dir, 'tokens'),
        CORRELATOR_FORWARDER_ENABLED: 'true',
        CORRELATOR_FORWARDER_ADDRESS: 'hub:9090',
        CORRELATOR_FORWARDER_API_KEY_FILE: join(dir, 'api-key'),
      }),
    );
    expect(c.grpc.port).toBe(6000);
    expect(c.http.port).toBe(9000);
    expect(c.grpc.tls).toEqual({ certFile: '/tls/tls.crt', keyFile: '/tls/tls.key' });
    expect(c.grpc.authTokens).toEqual(['token-aaaaaaaaaaaaaaaa', 'token-bbbbbbbbbbbbbbbb']);
    expect(c.forwarder).toMatchObject({ enabled: true, address: 'hub:9090', apiKey: 'hub-secret-key' });
  });

  it('names the setting that is wrong', () => {
    expect(() => parseCorrelatorConfig(correlatorConfigFromEnv({ CORRELATOR_GRPC_PORT: 'http' }))).toThrow(
      /grpc.port/,
    );
    expect(() => parseCorrelatorConfig(correlatorConfigFromEnv({ CORRELATOR_GRPC_PORT: 'http' }))).toThrow(
      /CORRELATOR_GRPC_PORT: Invalid input/,
    );
    expect(() => parseCorrelatorConfig(correlatorConfigFromEnv({ IA_CLUSTER_ID: 'prod eu' }))).toThrow(
      /IA_CLUSTER_ID: letters, digits, \. _ - only/,
    );
    expect(() =>
      parseCorrelatorConfig(correlatorConfigFromEnv({ CORRELATOR_FORWARDER_ENABLED: 'true' })),
    ).toThrow(/CORRELATOR_FORWARDER_ADDRESS is required/);
    expect(() =>
      parseCorrelatorConfig(correlatorConfigFromEnv({ CORRELATOR_GRPC_AUTH_TOKENS: 'short' })),
    ).toThrow(/at least 16 characters/);
  });
});
