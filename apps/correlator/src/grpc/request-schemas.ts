import { z } from 'zod';
import { CHANGE_CLASS_NAMES, type SubjectRef } from '#contracts';
import { fromTimestamp } from './proto-mapping.js';

/**
 * zod schemas of the gRPC requests as @grpc/proto-loader decodes them (camelCase, proto3 defaults absent or
 * empty). Each turns a request into the engine's query types, or names exactly what is wrong.
 */

const MAX_TOP = 100;
const MAX_DEPTH = 6;
const MAX_WINDOW_MS = 31 * 24 * 3_600_000;

const emptyToUndefined = (v: unknown) => (v === '' || v === null ? undefined : v);
const optionalText = z.preprocess(emptyToUndefined, z.string().optional());
const uint = (max?: number) =>
  z.preprocess(
    (v) => (v === 0 || v === '0' || v === null ? undefined : v),
    (max === undefined ? z.coerce.number().int().min(0) : z.coerce.number().int().min(0).max(max)).optional(),
  );

export const TimestampSchema = z
  .object({
    seconds: z.union([z.string().regex(/^-?\d+$/, 'seconds must be an integer'), z.number().int()]),
    nanos: z.number().int().min(0).max(999_999_999).optional(),
  })
  .transform((t) => fromTimestamp(t))
  .refine((d) => !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= 1970 && d.getUTCFullYear() < 10_000, {
    message: 'timestamp out of range',
  });

const optionalTimestamp = z.preprocess(emptyToUndefined, TimestampSchema.optional());

/** A resource reference: kind and name are required, the rest optional (empty means unspecified). */
export const ResourceRefSchema = z
  .object({
    cluster: optionalText,
    group: optionalText,
    kind: z.string({ error: 'kind is required' }).min(1, 'kind is required'),
    namespace: optionalText,
    name: z.string({ error: 'name is required' }).min(1, 'name is required'),
  })
  .transform((r): SubjectRef => {
    const out: SubjectRef = { kind: r.kind, name: r.name };
    if (r.cluster !== undefined) out.cluster = r.cluster;
    if (r.group !== undefined) out.group = r.group;
    if (r.namespace !== undefined) out.namespace = r.namespace;
    return out;
  });

export const RankCausesRequestSchema = z.object({
  at: optionalTimestamp,
  symptom: z.preprocess(emptyToUndefined, ResourceRefSchema.optional()),
  incidentId: optionalText,
  top: uint(MAX_TOP),
  lookbackSeconds: uint(MAX_WINDOW_MS / 1000),
  widenLookback: z.boolean().optional(),
});

export const GetTimelineRequestSchema = z
  .object({
    resource: ResourceRefSchema,
    from: optionalTimestamp,
    to: optionalTimestamp,
    includeDependencies: z.boolean().optional(),
  })
  .refine((r) => !r.from || !r.to || r.from <= r.to, { message: 'from must not be after to', path: ['from'] })
  .refine((r) => !r.from || !r.to || r.to.getTime() - r.from.getTime() <= MAX_WINDOW_MS, {
    message: 'the window is longer than 31 days',
    path: ['to'],
  });

export const GetDependencyGraphRequestSchema = z
  .object({
    cluster: optionalText,
    namespace: optionalText,
    root: z.preprocess(emptyToUndefined, ResourceRefSchema.optional()),
    depth: uint(MAX_DEPTH),
  })
  .refine((r) => r.namespace !== undefined || r.root !== undefined, {
    message: 'give a namespace, or a root resource (with an optional depth)',
  });

export const WatchChangesRequestSchema = z.object({
  cluster: optionalText,
  namespace: optionalText,
  kinds: z.array(z.string().min(1, 'kinds must not contain empty names')).optional(),
  classes: z
    .array(z.enum(CHANGE_CLASS_NAMES, { error: `classes must be among ${CHANGE_CLASS_NAMES.join(', ')}` }))
    .optional(),
  since: optionalTimestamp,
});

export const ListIncidentsRequestSchema = z.object({
  since: optionalTimestamp,
  includeResolved: z.boolean().optional(),
  topCauses: uint(MAX_TOP),
});

export const ReportAnomalyRequestSchema = z.object({
  subject: ResourceRefSchema,
  reason: z.string({ error: 'reason is required' }).min(1, 'reason is required').max(256),
  severity: z.preprocess(
    emptyToUndefined,
    z
      .enum(['critical', 'warning', 'info'], { error: 'severity must be critical, warning or info' })
      .default('warning'),
  ),
  onset: optionalTimestamp,
  message: z.preprocess(emptyToUndefined, z.string().max(4_096).optional()),
  labels: z.record(z.string(), z.string()).optional(),
});

/** One line naming every problem, for the INVALID_ARGUMENT status details. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}
