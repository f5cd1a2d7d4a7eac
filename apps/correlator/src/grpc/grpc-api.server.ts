import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import {
  HEALTH_PROTO,
  HEALTH_SERVICE,
  INCIDENT_ASSISTANT_SERVICE,
  loadProtos,
  SERVICE_PROTO,
  serviceDefinition,
} from '#grpc';
import { componentLogger } from '#observability';
import type { CorrelatorConfig } from '../config/correlator.config.js';
import { bearerAuthInterceptor } from './bearer-auth.interceptor.js';
import { HealthService } from './health.service.js';

const log = componentLogger('grpc');

/** Largest request or response message: a namespace's dependency graph can be a few MiB. */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

/**
 * The correlator's gRPC server: IncidentAssistant, grpc.health.v1 and server reflection (so `grpcurl` works
 * without the .proto files), optional TLS and bearer-token auth. Knows nothing of Nest; the module drives it.
 */
export class GrpcApiServer {
  readonly health = new HealthService();
  private readonly server: grpc.Server;
  private boundPort?: number;

  constructor(
    private readonly settings: CorrelatorConfig['grpc'],
    implementation: grpc.UntypedServiceImplementation,
  ) {
    this.server = new grpc.Server({
      interceptors: settings.authTokens.length ? [bearerAuthInterceptor(settings.authTokens)] : [],
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
      'grpc.keepalive_permit_without_calls': 1,
    });
    const protos = loadProtos([SERVICE_PROTO, HEALTH_PROTO]);
    this.server.addService(serviceDefinition(protos, INCIDENT_ASSISTANT_SERVICE), implementation);
    this.server.addService(serviceDefinition(protos, HEALTH_SERVICE), this.health.implementation);
    new ReflectionService(protos).addToServer(this.server);
  }

  /** The port actually bound (differs from the configured one when that is 0). */
  get port(): number {
    if (this.boundPort === undefined) throw new Error('the gRPC server is not started');
    return this.boundPort;
  }

  async start(): Promise<number> {
    const { host, port, tls } = this.settings;
    const credentials = tls
      ? grpc.ServerCredentials.createSsl(null, [
          { cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) },
        ])
      : grpc.ServerCredentials.createInsecure();
    const address = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(address, credentials, (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    log.info(
      { address: `${host}:${this.boundPort}`, tls: !!tls, auth: this.settings.authTokens.length > 0 },
      'gRPC server listening',
    );
    return this.boundPort;
  }

  /** Stops accepting calls, lets calls in flight finish within the grace period, then cancels the rest. */
  async stop(graceMs = this.settings.shutdownGraceMs): Promise<void> {
    this.health.set('NOT_SERVING');
    this.health.close();
    let timer: NodeJS.Timeout | undefined;
    const graceful = new Promise<boolean>((resolve) => this.server.tryShutdown(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs)));
    const clean = await Promise.race([graceful, timeout]);
    clearTimeout(timer);
    if (!clean) {
      log.warn({ graceMs }, 'gRPC calls still running after the grace period; cancelling them');
      this.server.forceShutdown();
    }
  }
}
