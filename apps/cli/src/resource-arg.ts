import { InvalidArgumentError } from 'commander';

export interface ResourceArg {
  namespace: string;
  kind: string;
  name: string;
}

/** Parses `namespace/Kind/name` (the form FORMAT.md's --symptom uses); `_` stands for cluster-scoped. */
export function parseResourceArg(value: string): ResourceArg {
  const parts = value.split('/');
  if (parts.length !== 3 || parts.some((p) => p.length === 0)) {
    throw new InvalidArgumentError(
      `expected <namespace>/<Kind>/<name>, e.g. shop/Deployment/frontend; got "${value}"`,
    );
  }
  const [namespace, kind, name] = parts;
  return { namespace: namespace === '_' ? '' : namespace, kind, name };
}

export function parseTimeArg(value: string): Date {
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new InvalidArgumentError(`expected an RFC3339 time such as 2025-06-05T04:21:53Z; got "${value}"`);
  return new Date(t);
}

export function parsePositiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError(`expected a positive whole number; got "${value}"`);
  return n;
}
