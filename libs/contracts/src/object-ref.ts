import { z } from 'zod';

/** Identifies one Kubernetes object in one cluster. `group` is '' for the core API group. */
export const ObjectRefSchema = z.object({
  cluster: z.string().min(1),
  group: z.string(),
  version: z.string().min(1),
  kind: z.string().min(1),
  /** Lower-case plural resource name (`deployments`), as used in API paths. */
  resource: z.string().min(1),
  namespace: z.string().nullable(),
  name: z.string().min(1),
  uid: z.string().optional(),
});
export type ObjectRef = z.infer<typeof ObjectRefSchema>;

/**
 * The Kafka key of every message about one object. Name-based rather than uid-based so that a delete and a
 * re-create under the same name stay in one partition, in order.
 */
export function objectKey(ref: Pick<ObjectRef, 'cluster' | 'group' | 'kind' | 'namespace' | 'name'>): string {
  return `${ref.cluster}/${ref.group || 'core'}/${ref.kind}/${ref.namespace ?? '_'}/${ref.name}`;
}

/** The form people type and the replay command's `--symptom` uses: `namespace/Kind/name`. */
export function displayRef(ref: Pick<ObjectRef, 'kind' | 'namespace' | 'name'>): string {
  return `${ref.namespace ?? '_'}/${ref.kind}/${ref.name}`;
}

/** Splits `apps/v1` or `v1` into group and version. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * A Kubernetes object carried whole. Checked only for being a JSON object: its fields are the API server's
 * business, and walking every key of a 4 KiB object with a record schema cost the differ more than diffing it.
 */
export const KubeObjectSchema = z.custom<Record<string, unknown>>(
  (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  'expected a JSON object',
);
