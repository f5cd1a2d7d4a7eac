import { createHash, timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { HEALTH_SERVICE } from '#grpc';
import { counter } from '#observability';

const rejected = counter({
  name: 'ia_grpc_unauthenticated_total',
  help: 'gRPC calls refused for a missing or wrong bearer token.',
});

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/**
 * Requires `authorization: Bearer <token>` metadata on every call except the health service (Kubernetes probes
 * and load balancers carry no token). Tokens are compared in constant time; neither they nor the presented
 * value are ever logged.
 */
export function bearerAuthInterceptor(tokens: readonly string[]): grpc.ServerInterceptor {
  const accepted = tokens.map(digest);
  const isAccepted = (presented: string) => {
    const d = digest(presented);
    return accepted.some((a) => timingSafeEqual(a, d));
  };
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      start: (next) => {
        if (method.path.startsWith(`/${HEALTH_SERVICE}/`)) return next();
        let authorized = false;
        next({
          onReceiveMetadata: (metadata, nextMetadata) => {
            const header = String(metadata.get('authorization')[0] ?? '');
            const match = /^Bearer\s+(\S+)$/i.exec(header);
            if (match && isAccepted(match[1])) {
              authorized = true;
              nextMetadata(metadata);
              return;
            }
            rejected.inc();
            call.sendStatus({
              code: grpc.status.UNAUTHENTICATED,
              details: header
                ? 'the bearer token is not accepted'
                : 'missing "authorization: Bearer <token>" metadata',
            });
          },
          onReceiveMessage: (message, nextMessage) => {
            if (authorized) nextMessage(message);
          },
          onReceiveHalfClose: (nextHalfClose) => {
            if (authorized) nextHalfClose();
          },
        });
      },
    });
}
