import type { z } from 'zod';

export class ContractViolation extends Error {
  constructor(
    readonly contract: string,
    readonly issues: string,
  ) {
    super(`message does not match ${contract}: ${issues}`);
    this.name = 'ContractViolation';
  }
}

/** Parses a Kafka value (JSON) against a contract schema, with an error a person can act on. */
export function decodeMessage<S extends z.ZodType>(
  contract: string,
  schema: S,
  value: Buffer | string | null,
): z.infer<S> {
  if (value === null) throw new ContractViolation(contract, 'value is empty (null)');
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (err) {
    throw new ContractViolation(contract, `value is not JSON (${(err as Error).message})`);
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== undefined && version !== 1) {
    throw new ContractViolation(
      contract,
      `unknown schemaVersion ${JSON.stringify(version)} (this build reads 1)`,
    );
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new ContractViolation(contract, issues);
  }
  return parsed.data;
}

export function encodeMessage(value: unknown): string {
  return JSON.stringify(value);
}
