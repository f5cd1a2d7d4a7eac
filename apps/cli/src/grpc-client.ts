import { credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { clientConstructor, INCIDENT_ASSISTANT_SERVICE, loadProtos, SERVICE_PROTO } from '#grpc';

export interface ServerFlags {
  server: string;
  token?: string;
  tls?: boolean;
  caFile?: string;
  timeout: number;
}

/** Options every client command shares; env vars let people set them once. */
export function addServerOptions(cmd: Command): Command {
  return cmd
    .option('--server <host:port>', 'correlator gRPC address', process.env.IA_SERVER ?? '127.0.0.1:50051')
    .option('--token <token>', 'bearer token (env IA_TOKEN)', process.env.IA_TOKEN)
    .option('--tls', 'use TLS')
    .option('--ca-file <file>', 'CA bundle for TLS')
    .option('--timeout <seconds>', 'deadline of the call', (v) => Number(v), 10);
}

type UnaryMethod = (
  req: unknown,
  md: Metadata,
  opts: { deadline: Date },
  cb: (err: ServiceError | null, res: unknown) => void,
) => void;

/** Calls one unary RPC of incident_assistant.v1.IncidentAssistant. */
export async function callIncidentAssistant<T>(
  flags: ServerFlags,
  method: string,
  request: unknown,
): Promise<T> {
  // The server's own proto loading, so client and server read the same field shapes.
  const IncidentAssistant = clientConstructor(loadProtos([SERVICE_PROTO]), INCIDENT_ASSISTANT_SERVICE);
  const creds = flags.tls
    ? credentials.createSsl(flags.caFile ? readFileSync(flags.caFile) : undefined)
    : credentials.createInsecure();
  const client = new IncidentAssistant(flags.server, creds) as unknown as Record<string, UnaryMethod> & {
    close(): void;
  };
  const md = new Metadata();
  if (flags.token) md.set('authorization', `Bearer ${flags.token}`);
  try {
    return await new Promise<T>((resolve, reject) =>
      client[method].call(
        client,
        request,
        md,
        { deadline: new Date(Date.now() + flags.timeout * 1000) },
        (err, res) =>
          err
            ? reject(new Error(`${method} failed: ${err.details || err.message} (gRPC code ${err.code})`))
            : resolve(res as T),
      ),
    );
  } finally {
    client.close();
  }
}

export function toTimestamp(d: Date): { seconds: string; nanos: number } {
  return { seconds: String(Math.floor(d.getTime() / 1000)), nanos: (d.getTime() % 1000) * 1e6 };
}

export function fromTimestamp(
  t: { seconds?: string | number; nanos?: number } | null | undefined,
): string | undefined {
  if (!t || t.seconds === undefined) return undefined;
  return new Date(Number(t.seconds) * 1000 + Math.round((t.nanos ?? 0) / 1e6)).toISOString();
}
