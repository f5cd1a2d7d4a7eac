import { credentials, loadPackageDefinition, Metadata, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';

/** proto/ sits at the package root, whether this runs from src (tests) or from dist. */
function protoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'proto', 'incident_assistant'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('proto/ not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
  return join(dir, 'proto');
}

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
  const definition = loadSync('incident_assistant/v1/incident_assistant.proto', {
    includeDirs: [protoRoot()],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = loadPackageDefinition(definition) as unknown as {
    incident_assistant: {
      v1: {
        IncidentAssistant: new (
          addr: string,
          creds: ReturnType<typeof credentials.createInsecure>,
        ) => Record<string, UnaryMethod> & { close(): void };
      };
    };
  };
  const creds = flags.tls
    ? credentials.createSsl(flags.caFile ? readFileSync(flags.caFile) : undefined)
    : credentials.createInsecure();
  const client = new pkg.incident_assistant.v1.IncidentAssistant(flags.server, creds);
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
