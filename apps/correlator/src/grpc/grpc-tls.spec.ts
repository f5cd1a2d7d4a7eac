import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEventLog } from '#kafka';
import { parseCorrelatorConfig } from '../config/correlator.config.js';
import { ChangeFeed } from '../feed/change-feed.js';
import { IncidentTracker } from '../incidents/incident-tracker.js';
import { GrpcApiServer } from './grpc-api.server.js';
import { incidentAssistantHandlers } from './incident-assistant.handlers.js';
import { FakeEngine } from '../../../../test/support/fake-engine.js';
import { connect } from '../../../../test/support/grpc-test-client.js';

/** A self-signed certificate for 127.0.0.1, made with the system's openssl. */
function selfSigned() {
  const dir = mkdtempSync(join(tmpdir(), 'ia-tls-'));
  const [certFile, keyFile] = [join(dir, 'tls.crt'), join(dir, 'tls.key')];
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { certFile, keyFile };
}

describe('gRPC over TLS', () => {
  const tls = selfSigned();
  const config = parseCorrelatorConfig({ grpc: { host: '127.0.0.1', port: 0, tls } });
  const engine = new FakeEngine();
  const server = new GrpcApiServer(
    config.grpc,
    incidentAssistantHandlers({
      engine,
      incidents: new IncidentTracker(engine, config.incidents),
      feed: new ChangeFeed(10),
      log: new MemoryEventLog(),
      cluster: 'test',
      maxQueuedPerStream: 10,
    }),
  );
  let port: number;
  beforeAll(async () => {
    port = await server.start();
    server.health.set('SERVING');
  });
  afterAll(() => server.stop());

  it('serves clients that trust the certificate and refuses plaintext ones', async () => {
    const trusted = connect(port, { credentials: grpc.credentials.createSsl(readFileSync(tls.certFile)) });
    expect(await trusted.healthCheck({})).toEqual({ status: 'SERVING' });
    const plaintext = connect(port);
    await expect(plaintext.healthCheck({}, { deadline: Date.now() + 1_000 })).rejects.toMatchObject({
      code: expect.any(Number),
    });
    trusted.close();
    plaintext.close();
  });
});
