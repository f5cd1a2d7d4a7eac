import { z } from 'zod';
import { CHANGE_CLASS_NAMES } from './change-class.js';
import { ObjectRefSchema } from './object-ref.js';

export const DiffPathSchema = z.object({
  /** JSON pointer (RFC 6901) into the normalized object. */
  path: z.string(),
  op: z.enum(['add', 'remove', 'replace']),
  old: z.unknown().optional(),
  new: z.unknown().optional(),
});
export type DiffPath = z.infer<typeof DiffPathSchema>;

export const ActorKindSchema = z.enum(['human', 'cd', 'controller', 'unknown']);
export type ActorKind = z.infer<typeof ActorKindSchema>;

export const ActorSchema = z.object({
  /** The managedFields manager that owns the changed fields (`kubectl-edit`, `helm`, `argocd-controller`...). */
  manager: z.string(),
  operation: z.string().optional(),
  time: z.string().optional(),
  kind: ActorKindSchema,
});
export type Actor = z.infer<typeof ActorSchema>;

export const ProvenanceSchema = z.object({
  images: z
    .array(
      z.object({
        container: z.string(),
        image: z.string(),
        tag: z.string().optional(),
        digest: z.string().optional(),
      }),
    )
    .optional(),
  appVersion: z.string().optional(),
  revision: z.string().optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const ChangeEventSchema = z.object({
  schemaVersion: z.literal(1),
  /** Deterministic: digest of (cluster, uid, resourceVersion). Consumers dedupe on it. */
  changeId: z.string().min(1),
  ref: ObjectRefSchema,
  resourceVersion: z.string(),
  /** When the change was observed (RFC3339, ms): the raw event's observedAt. */
  changedAt: z.iso.datetime({ offset: true }),
  operation: z.enum(['create', 'update', 'delete']),
  /** Most important first. */
  classes: z.array(z.enum(CHANGE_CLASS_NAMES)).min(1),
  /** Risk prior of the riskiest class, in [0, 1]. */
  risk: z.number().min(0).max(1),
  /** jsondiffpatch delta of the normalized objects; secret values are hashes. Absent on create/delete. */
  delta: z.unknown().optional(),
  paths: z.array(DiffPathSchema),
  /** One line a person reads: `spec.template.spec.containers[cart].image: v1 -> v2`. */
  summary: z.string(),
  actor: ActorSchema,
  provenance: ProvenanceSchema.optional(),
  /** True when found by reconciling a snapshot: the change happened while nothing watched. */
  whileAway: z.boolean().optional(),
});
export type ChangeEvent = z.infer<typeof ChangeEventSchema>;
