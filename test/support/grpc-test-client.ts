import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import {
  clientConstructor,
  HEALTH_PROTO,
  HEALTH_SERVICE,
  INCIDENT_ASSISTANT_SERVICE,
  loadProtos,
  PROTO_LOAD_OPTIONS,
  SERVICE_PROTO,
} from '#grpc';

type AnyClient = grpc.Client & Record<string, (...args: unknown[]) => unknown>;

/** Promise-returning clients of the correlator's services over a real socket, for tests. */
export function connect(
  port: number,
  options: { token?: string; credentials?: grpc.ChannelCredentials } = {},
) {
  const protos = loadProtos([SERVICE_PROTO, HEALTH_PROTO]);
  const address = `127.0.0.1:${port}`;
  const credentials = options.credentials ?? grpc.credentials.createInsecure();
  const api = new (clientConstructor(protos, INCIDENT_ASSISTANT_SERVICE))(address, credentials) as AnyClient;
  const health = new (clientConstructor(protos, HEALTH_SERVICE))(address, credentials) as AnyClient;
  const metadata = () => {
    const md = new grpc.Metadata();
    if (options.token) md.set('authorization', `Bearer ${options.token}`);
    return md;
  };
  const call =
    (client: AnyClient, method: string) =>
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    (request: unknown, callOptions: grpc.CallOptions = {}): Promise<any> =>
      new Promise((resolve, reject) =>
        client[method](request, metadata(), callOptions, (err: grpc.ServiceError | null, res: unknown) =>
          err ? reject(err) : resolve(res),
        ),
      );
  return {
    rankCauses: call(api, 'RankCauses'),
    getTimeline: call(api, 'GetTimeline'),
    getDependencyGraph: call(api, 'GetDependencyGraph'),
    listIncidents: call(api, 'ListIncidents'),
    reportAnomaly: call(api, 'ReportAnomaly'),
    healthCheck: call(health, 'Check'),
    watchChanges: (request: unknown, callOptions: grpc.CallOptions = {}) =>
      api.WatchChanges(request, metadata(), callOptions) as grpc.ClientReadableStream<
        Record<string, unknown>
      >,
    close: () => {
      api.close();
      health.close();
    },
  };
}

/** Lists the services the server's reflection reports, as `grpcurl list` does. */
export async function listServicesByReflection(port: number): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const root = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');
  const def = protoLoader.loadSync('grpc/reflection/v1/reflection.proto', {
    ...PROTO_LOAD_OPTIONS,
    includeDirs: [root],
  });
  const Ctor = clientConstructor(def, 'grpc.reflection.v1.ServerReflection');
  const client = new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as AnyClient;
  try {
    const stream = client.ServerReflectionInfo() as grpc.ClientDuplexStream<
      unknown,
      { listServicesResponse?: { service: { name: string }[] } }
    >;
    const answer = new Promise<string[]>((resolve, reject) => {
      stream.on('data', (res) =>
        resolve((res.listServicesResponse?.service ?? []).map((s: { name: string }) => s.name)),
      );
      stream.on('error', reject);
    });
    stream.write({ listServices: '*' });
    const names = await answer;
    stream.end();
    return names;
  } finally {
    client.close();
  }
}
