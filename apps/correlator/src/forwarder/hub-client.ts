import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { clientConstructor, HUB_PROTO, loadProtos } from '#grpc';
import type { HubEventMessage } from './hub-event.js';

export interface HubClientSettings {
  address: string;
  apiKey: string;
  tls: boolean;
  caFile?: string;
  callTimeoutMs: number;
}

/** Statuses that will not get better by trying again: the record is dead-lettered at once. */
const PERMANENT = new Set([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.UNAUTHENTICATED,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNIMPLEMENTED,
  grpc.status.NOT_FOUND,
  grpc.status.FAILED_PRECONDITION,
]);

export class HubRejection extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = 'HubRejection';
  }
}

/**
 * One long-lived client of the hub's kube_controller_event.EventService (the original agent dialled a new
 * connection per event). grpc-js reconnects the channel by itself; each call has its own deadline.
 */
export class HubClient {
  private readonly client: grpc.Client & Record<string, grpc.requestCallback<unknown> | unknown>;

  constructor(private readonly settings: HubClientSettings) {
    const Ctor = clientConstructor(loadProtos([HUB_PROTO]), 'kube_controller_event.EventService');
    const credentials = settings.tls
      ? grpc.credentials.createSsl(settings.caFile ? readFileSync(settings.caFile) : null)
      : grpc.credentials.createInsecure();
    this.client = new Ctor(settings.address, credentials, {
      'grpc.keepalive_time_ms': 60_000,
      'grpc.initial_reconnect_backoff_ms': 500,
      'grpc.max_reconnect_backoff_ms': 10_000,
    }) as never;
  }

  /** Resolves when the hub acknowledged; rejects with a HubRejection saying whether retrying can help. */
  emit(event: HubEventMessage): Promise<void> {
    const emitEvent = this.client.EmitEvent as (
      req: unknown,
      options: grpc.CallOptions,
      cb: (err: grpc.ServiceError | null, res?: { acknowledged?: boolean }) => void,
    ) => void;
    return new Promise((resolve, reject) => {
      emitEvent.call(
        this.client,
        { ...event, apiKey: this.settings.apiKey },
        { deadline: Date.now() + this.settings.callTimeoutMs },
        (err, res) => {
          if (err) {
            // details only: the error object's metadata could echo request headers.
            reject(
              new HubRejection(
                `hub answered ${grpc.status[err.code] ?? err.code}: ${err.details}`,
                PERMANENT.has(err.code),
              ),
            );
          } else if (!res?.acknowledged) {
            reject(new HubRejection('hub did not acknowledge the event', false));
          } else {
            resolve();
          }
        },
      );
    });
  }

  close(): void {
    this.client.close();
  }
}
