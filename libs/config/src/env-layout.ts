import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

/** A secret: read from the file `<name>_FILE` names (mounted from a Kubernetes Secret), else from `<name>`. */
export class SecretVariable {
  constructor(readonly name: string) {}
}

export function secretVariable(name: string): SecretVariable {
  return new SecretVariable(name);
}

/** Where a setting comes from: a variable's name, or a secret's. */
export type EnvSource = string | SecretVariable;

/** The settings of a schema's input, each mapped to the variable it is read from; nested like the input. */
export interface EnvLayout {
  readonly [setting: string]: EnvSource | EnvLayout;
}

/**
 * An EnvLayout checked against a schema's input `T`: every key is a setting of `T` (an object literal declared
 * `satisfies EnvLayoutFor<T>` fails to compile on a key the schema does not have).
 */
export type EnvLayoutFor<T> = {
  readonly [K in keyof T]?: unknown extends T[K]
    ? EnvSource | EnvLayout
    : NonNullable<T[K]> extends readonly unknown[] | string | number | boolean
      ? EnvSource
      : EnvLayoutFor<NonNullable<T[K]>>;
};

/**
 * Reads the variables a layout names, as the input of the schema the layout is written for. An empty variable
 * is an unset one (the schema's default applies); a group none of whose variables is set is left out.
 * Values are strings: the schema coerces and validates them.
 */
export function readEnv<T>(env: NodeJS.ProcessEnv, layout: EnvLayoutFor<T>): T {
  // The layout was checked against T's settings; their values are the schema's to check (parseConfig).
  return (readGroup(env, layout as EnvLayout) ?? {}) as T;
}

function readGroup(env: NodeJS.ProcessEnv, layout: EnvLayout): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const [setting, source] of Object.entries(layout)) {
    const value =
      typeof source === 'string'
        ? env[source] || undefined
        : source instanceof SecretVariable
          ? readSecret(env, source.name)
          : readGroup(env, source);
    if (value !== undefined) out[setting] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A secret's value, trimmed (files usually end with a newline). */
function readSecret(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim() || undefined;
    } catch (err) {
      throw new ConfigError(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  return env[name]?.trim() || undefined;
}

/** The variables a setting's path (as in a zod issue) is read from, if the layout names them. */
export function envVariablesAt(layout: EnvLayout, path: readonly PropertyKey[]): string[] {
  let node: EnvSource | EnvLayout | undefined = layout;
  for (const key of path) {
    if (typeof node === 'string' || node instanceof SecretVariable) break;
    node = typeof key === 'string' ? node?.[key] : undefined;
  }
  if (typeof node === 'string') return [node];
  if (node instanceof SecretVariable) return [node.name, `${node.name}_FILE`];
  return [];
}
