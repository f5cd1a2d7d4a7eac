import { z } from 'zod';
import { KubeObjectSchema, ObjectRefSchema } from './object-ref.js';

/**
 * The value of the compacted objects topic: the differ's changelog. A null value (tombstone) means deleted.
 * The correlator reads it as a table to keep its dependency graph of the cluster.
 */
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
});
export type ObjectState = z.infer<typeof ObjectStateSchema>;
