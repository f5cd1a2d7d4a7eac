import * as grpc from '@grpc/grpc-js';
import type { z } from 'zod';
import { describeIssues } from './request-schemas.js';

/** An error with the gRPC status it should be answered with; its message is safe to show the caller. */
export class GrpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
    this.name = 'GrpcError';
  }
}

/** Parses a request, or throws INVALID_ARGUMENT naming every problem. */
export function parseRequest<S extends z.ZodType>(schema: S, request: unknown): z.infer<S> {
  const parsed = schema.safeParse(request ?? {});
  if (!parsed.success) throw new GrpcError(grpc.status.INVALID_ARGUMENT, describeIssues(parsed.error));
  return parsed.data;
}

/** Milliseconds left before the call's deadline (Infinity without one). */
export function msLeft(call: { getDeadline(): grpc.Deadline }): number {
  const d = call.getDeadline();
  const at = d instanceof Date ? d.getTime() : Number(d);
  return Number.isFinite(at) ? at - Date.now() : Infinity;
}

/** Throws DEADLINE_EXCEEDED / CANCELLED when the caller no longer waits: long work checks it between steps. */
export function ensureStillWanted(call: { cancelled: boolean; getDeadline(): grpc.Deadline }): void {
  if (call.cancelled) throw new GrpcError(grpc.status.CANCELLED, 'the call was cancelled');
  if (msLeft(call) <= 0) throw new GrpcError(grpc.status.DEADLINE_EXCEEDED, 'deadline exceeded');
}
