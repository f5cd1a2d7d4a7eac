import { stableId, type AnomalySignal, type SubjectRef } from '#contracts';

export type StatusDigest = Record<string, unknown>;

/** What every detector knows about the object it looks at. */
export interface StatusContext {
  cluster: string;
  kind: string;
  namespace: string | null;
  name: string;
  uid?: string;
  object: Record<string, unknown>;
  /** When the watcher saw this version: the onset when the object itself carries no time. */
  observedAt: string;
  previous?: StatusDigest;
}

export interface StatusAnalysis {
  /** Facts to remember so the next version only signals transitions; undefined for kinds without status signals. */
  digest?: StatusDigest;
  signals: AnomalySignal[];
}

/** Kubernetes times are second precision (`...:17Z`); the contract wants RFC3339, which they are, or observedAt. */
export function timeOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && !Number.isNaN(Date.parse(value))
    ? new Date(value).toISOString()
    : fallback;
}

/** The anomaly id is a digest of what makes it the same occurrence, so re-processing yields the same id. */
export function signal(
  args: Omit<AnomalySignal, 'schemaVersion' | 'anomalyId'> & { idParts?: readonly string[] },
): AnomalySignal {
  const { idParts, ...rest } = args;
  const s = rest.subject;
  return {
    schemaVersion: 1,
    anomalyId: stableId(
      rest.cluster,
      rest.source,
      s.kind,
      s.namespace ?? '',
      s.name,
      rest.reason,
      rest.status,
      rest.onset,
      ...(idParts ?? []),
    ),
    ...rest,
    message: rest.message?.slice(0, 1_000),
  };
}

export function subjectOf(ctx: StatusContext): SubjectRef {
  return {
    cluster: ctx.cluster,
    kind: ctx.kind,
    namespace: ctx.namespace,
    name: ctx.name,
    ...(ctx.uid ? { uid: ctx.uid } : {}),
  };
}
