import * as grpc from '@grpc/grpc-js';
import { clientConstructor, INCIDENT_ASSISTANT_SERVICE, loadProtos, SERVICE_PROTO } from '#grpc';

type RankCausesCall = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, res: { causes: unknown[] }) => void,
) => void;

/**
 * RankCauses over one channel kept open across calls, so that the benchmark times the query and not a connection
 * per call (the CLI's client opens one per command). The benchmark is built and test helpers are not, so it has
 * its own client rather than the tests' one.
 */
export function rankCausesClient(port: number) {
  const IncidentAssistant = clientConstructor(loadProtos([SERVICE_PROTO]), INCIDENT_ASSISTANT_SERVICE);
  const client = new IncidentAssistant(
    `127.0.0.1:${port}`,
    grpc.credentials.createInsecure(),
  ) as unknown as grpc.Client & { RankCauses: RankCausesCall };
  return {
    rankCauses: (request: unknown, options: grpc.CallOptions = {}) =>
      new Promise<{ causes: unknown[] }>((resolve, reject) =>
        client.RankCauses(request, new grpc.Metadata(), options, (err, res) =>
          err ? reject(err) : resolve(res),
        ),
      ),
    close: () => client.close(),
  };
}
