import { z } from 'zod';
import { KubeObjectSchema, ObjectRefSchema } from './object-ref.js';

/**
 * The value of the compacted objects topic: the differ's changelog. A null value (tombstone) means deleted.
 * The correlator reads it as a table to keep its dependency graph of the cluster.
 */
/** One managedFields entry as the differ remembers it between versions, to tell who wrote the next one. */
export const WriterStampSchema = z.object({
  manager: z.string(),
  operation: z.string().optional(),
  subresource: z.string().optional(),
  time: z.string().optional(),
  /** How many fields the entry's fieldsV1 names: a field set that grew or shrank without a new time shows. */
  fields: z.number().int().nonnegative(),
});
export type WriterStamp = z.infer<typeof WriterStampSchema>;

export const ObjectStateSchema = z.object({
  schemaVersion: z.literal(1),
  ref: ObjectRefSchema,
  resourceVersion: z.string(),
  observedAt: z.iso.datetime({ offset: true }),
  /** The snapshot that last confirmed the object, for reconciling snapshots after a watcher restart. */
  snapshotId: z.string().optional(),
  /** Normalized object (no managedFields, no status); secret values hashed. */
  object: KubeObjectSchema,
  /** Per-status facts the differ tracks to emit anomalies only on transitions (restart counts, conditions). */
  statusDigest: z.record(z.string(), z.unknown()).optional(),
  /** The object's managedFields entries (status ones left out) at this version; absent in older states. */
  writers: z.array(WriterStampSchema).optional(),
});
export type ObjectState = z.infer<typeof ObjectStateSchema>;
