import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/**
 * Loads the product's .proto files at run time (no generated code). Field names become lowerCamelCase in
 * JavaScript (keepCase false), the same names grpcurl's JSON uses; 64-bit integers (Timestamp.seconds) become
 * decimal strings and enums their names, so nothing loses precision or needs a lookup table.
 */
export const PROTO_LOAD_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
  // Empty repeated fields come out as [] rather than missing; absent messages stay absent (meaning "not given").
  arrays: true,
};

export const SERVICE_PROTO = 'incident_assistant/v1/incident_assistant.proto';
export const HEALTH_PROTO = 'grpc/health/v1/health.proto';
export const HUB_PROTO = 'kube_controller_event/event_service.proto';

export const INCIDENT_ASSISTANT_SERVICE = 'incident_assistant.v1.IncidentAssistant';
export const HEALTH_SERVICE = 'grpc.health.v1.Health';

/** The repository's proto/ directory, from sources (libs/grpc/src) or from the build (dist/libs/grpc/src); IA_PROTO_DIR overrides. */
export function protoRoot(): string {
  if (process.env.IA_PROTO_DIR) return process.env.IA_PROTO_DIR;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'proto');
    if (existsSync(join(candidate, SERVICE_PROTO))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('proto/ directory not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
}

const cache = new Map<string, protoLoader.PackageDefinition>();

/** One package definition per set of files; reflection serves exactly what was loaded. */
export function loadProtos(files: readonly string[]): protoLoader.PackageDefinition {
  const key = files.join('|');
  let def = cache.get(key);
  if (!def) {
    def = protoLoader.loadSync([...files], { ...PROTO_LOAD_OPTIONS, includeDirs: [protoRoot()] });
    cache.set(key, def);
  }
  return def;
}

/** Looks up a service (by its full name) in a loaded package definition. */
export function serviceDefinition(
  def: protoLoader.PackageDefinition,
  fullName: string,
): grpc.ServiceDefinition {
  const svc = def[fullName];
  // Message and enum types carry a `format` field; a service is a plain map of method definitions.
  if (!svc || 'format' in svc) throw new Error(`service ${fullName} not in the loaded protos`);
  return svc as grpc.ServiceDefinition;
}

/** A client constructor for a service, e.g. for tests, the CLI and the hub forwarder. */
export function clientConstructor(
  def: protoLoader.PackageDefinition,
  fullName: string,
): grpc.ServiceClientConstructor {
  return grpc.makeClientConstructor(serviceDefinition(def, fullName), fullName);
}
