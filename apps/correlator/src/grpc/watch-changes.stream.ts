import * as grpc from '@grpc/grpc-js';
import type { ChangeEvent } from '#contracts';
import { counter } from '#observability';
import { matchesFilter, type ChangeFeed } from '../feed/change-feed.js';
import { parseRequest } from './grpc-errors.js';
import { changeToProto } from './proto-mapping.js';
import { WatchChangesRequestSchema } from './request-schemas.js';

const calls = counter({
  name: 'ia_grpc_calls_total',
  help: 'gRPC calls answered, by method and status code.',
  labelNames: ['method', 'code'],
});

/**
 * Streams changes: first the buffered ones since `since`, then live ones, with backpressure (a stream whose
 * client does not keep up is ended with RESOURCE_EXHAUSTED rather than growing memory without bound). Ends with
 * OK when the server shuts down, and stops at once when the client cancels.
 */
export function watchChanges(
  call: grpc.ServerWritableStream<unknown, unknown>,
  feed: ChangeFeed,
  maxQueued: number,
): void {
  let req;
  try {
    req = parseRequest(WatchChangesRequestSchema, call.request);
  } catch (err) {
    calls.inc({ method: 'WatchChanges', code: 'INVALID_ARGUMENT' });
    // grpc-js turns an 'error' event on a server stream into the call's status.
    call.emit(
      'error',
      Object.assign(new Error((err as Error).message), {
        code: grpc.status.INVALID_ARGUMENT,
        details: (err as Error).message,
      }),
    );
    return;
  }
  const filter = { cluster: req.cluster, namespace: req.namespace, kinds: req.kinds, classes: req.classes };
  const queue: ChangeEvent[] = [];
  let waitingForDrain = false;
  let done = false;

  const finish = (error?: grpc.StatusObject) => {
    if (done) return;
    done = true;
    unsubscribe();
    unclose();
    calls.inc({ method: 'WatchChanges', code: error ? grpc.status[error.code] : 'OK' });
    if (error) call.emit('error', Object.assign(new Error(error.details), error));
    else call.end();
  };
  const pump = () => {
    while (queue.length > 0 && !waitingForDrain && !done) {
      if (!call.write(changeToProto(queue.shift()!))) {
        waitingForDrain = true;
        call.once('drain', () => {
          waitingForDrain = false;
          pump();
        });
      }
    }
  };
  const enqueue = (c: ChangeEvent) => {
    if (done) return;
    if (queue.length >= maxQueued) {
      finish({
        code: grpc.status.RESOURCE_EXHAUSTED,
        details: `the client fell more than ${maxQueued} changes behind`,
        metadata: new grpc.Metadata(),
      });
      return;
    }
    queue.push(c);
    pump();
  };

  // Subscribing and reading the replay buffer happen in one synchronous step: nothing falls in between.
  const unsubscribe = feed.subscribe((c) => {
    if (matchesFilter(c, filter)) enqueue(c);
  });
  const unclose = feed.onClose(() => finish());
  call.on('cancelled', () => {
    done = true;
    unsubscribe();
    unclose();
    calls.inc({ method: 'WatchChanges', code: 'CANCELLED' });
  });
  if (req.since) for (const c of feed.replaySince(req.since, filter)) enqueue(c);
}
