import * as grpc from '@grpc/grpc-js';
import { INCIDENT_ASSISTANT_SERVICE } from '#grpc';

export type ServingStatus = 'SERVING' | 'NOT_SERVING';

/**
 * grpc.health.v1.Health for '' (the whole server) and the IncidentAssistant service: NOT_SERVING until the
 * correlator has rebuilt its graph from the log, SERVING after, NOT_SERVING again while shutting down.
 */
export class HealthService {
  private status: ServingStatus = 'NOT_SERVING';
  private readonly watchers = new Set<grpc.ServerWritableStream<{ service?: string }, unknown>>();

  set(status: ServingStatus): void {
    if (status === this.status) return;
    this.status = status;
    for (const w of this.watchers) w.write({ status });
  }

  get current(): ServingStatus {
    return this.status;
  }

  /** Ends Watch streams, so that server shutdown need not wait for them. */
  close(): void {
    for (const w of this.watchers) w.end();
    this.watchers.clear();
  }

  private known(service: string | undefined): boolean {
    return !service || service === INCIDENT_ASSISTANT_SERVICE;
  }

  readonly implementation: grpc.UntypedServiceImplementation = {
    check: (
      call: grpc.ServerUnaryCall<{ service?: string }, unknown>,
      callback: grpc.sendUnaryData<{ status: string }>,
    ) => {
      if (!this.known(call.request.service)) {
        callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
        return;
      }
      callback(null, { status: this.status });
    },
    watch: (call: grpc.ServerWritableStream<{ service?: string }, unknown>) => {
      if (!this.known(call.request.service)) {
        call.write({ status: 'SERVICE_UNKNOWN' });
      } else {
        call.write({ status: this.status });
      }
      this.watchers.add(call);
      call.on('cancelled', () => this.watchers.delete(call));
    },
  };
}
