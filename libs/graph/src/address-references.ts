/**
 * Finds the Services a configuration value points at. Manifests reveal calls this way: environment variables and
 * ConfigMap values hold addresses (`productcatalogservice:3550`, `http://orders-api.commerce.svc.cluster.local:8080`,
 * `redis.cache`, `user-db:27017`). A reference is only a guess until it is resolved against the Services that
 * exist, which the graph does; this module only proposes (namespace?, name) pairs.
 */
export interface ServiceReference {
  name: string;
  /** Set when the address names it (`svc.ns`, `svc.ns.svc.cluster.local`); otherwise the caller's namespace. */
  namespace?: string;
}

const DNS_LABEL = '[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?';
// host[:port] where host is a DNS name; found anywhere in a value (URLs, connection strings, YAML, lists).
const HOST_PORT = new RegExp(
  `(?:^|[^-a-z0-9.])(${DNS_LABEL}(?:\\.${DNS_LABEL})*)(?::(\\d{1,5}))?(?=$|[^-a-z0-9.])`,
  'g',
);
const URL_HOST = new RegExp(`[a-z][a-z0-9+.-]*://(?:[^@/\\s]+@)?(${DNS_LABEL}(?:\\.${DNS_LABEL})*)`, 'gi');
/** Variable names that say "this value is an address", so a bare `orders` counts. */
const ADDRESS_KEY =
  /(ADDR|ADDRESS|HOST|URL|URI|ENDPOINT|SERVICE|UPSTREAM|BACKEND|SERVER|TARGET|DSN|BROKER|PEER)S?$/i;

/** Splits a host into service name and namespace when it has the Kubernetes DNS shape. */
export function hostToReference(host: string): ServiceReference | undefined {
  const parts = host.toLowerCase().replace(/\.$/, '').split('.');
  if (parts.length === 1) return { name: parts[0] };
  // svc.ns, svc.ns.svc, svc.ns.svc.cluster.local (or another cluster domain after "svc").
  if (parts.length === 2) return { name: parts[0], namespace: parts[1] };
  if (parts[2] === 'svc') return { name: parts[0], namespace: parts[1] };
  return undefined;
}

/**
 * Service references in one value. `keyHint` is the variable or key name: with an address-like name a bare word
 * is taken as a service name; without one only `host:port`, URLs and `svc.ns` forms are, so that ordinary words
 * (`info`, `true`) do not become calls.
 */
export function serviceReferencesIn(value: string, keyHint?: string): ServiceReference[] {
  const out: ServiceReference[] = [];
  const seen = new Set<string>();
  const add = (ref: ServiceReference | undefined) => {
    if (!ref) return;
    const k = `${ref.namespace ?? ''}/${ref.name}`;
    if (!seen.has(k)) {
      seen.add(k);
      out.push(ref);
    }
  };
  const text = value.length > 20_000 ? value.slice(0, 20_000) : value;
  for (const m of text.matchAll(URL_HOST)) add(hostToReference(m[1]));
  for (const m of text.toLowerCase().matchAll(HOST_PORT)) {
    const host = m[1];
    const port = m[2];
    const dotted = host.includes('.');
    // IPs and version numbers are not service names.
    if (/^[\d.]+$/.test(host)) continue;
    if (port !== undefined || dotted) add(hostToReference(host));
  }
  const trimmed = text.trim().toLowerCase();
  if (keyHint && ADDRESS_KEY.test(keyHint) && new RegExp(`^${DNS_LABEL}$`).test(trimmed))
    add({ name: trimmed });
  return out;
}

/**
 * Key/value pairs inside a ConfigMap value: whole entries (`KEY: value`) and `key: value` / `key=value` lines of
 * embedded files, so that an address under an address-like key is found as the environment would expose it.
 */
export function keyedValuesIn(key: string, value: string): Array<[string, string]> {
  const out: Array<[string, string]> = [[key, value]];
  for (const line of value.split('\n').slice(0, 2_000)) {
    const m = /^\s*["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*["']?([^"'#\s]+)["']?\s*$/.exec(line);
    if (m) out.push([m[1], m[2]]);
  }
  return out;
}

/** The explicit call annotation: `incident-assistant.io/calls: "svc-a,ns/svc-b"` on a workload or its template. */
export const CALLS_ANNOTATION = 'incident-assistant.io/calls';

export function parseCallsAnnotation(value: string): ServiceReference[] {
  return value
    .split(/[,\s]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const slash = s.indexOf('/');
      return slash < 0 ? { name: s } : { namespace: s.slice(0, slash), name: s.slice(slash + 1) };
    });
}
