import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { envVariablesAt, type EnvLayout } from './env-layout.js';

/**
 * Parses a role's settings with its schema, or throws one ConfigError listing every bad setting at once
 * (z.prettifyError), each with its path and, given the layout the input was read with, its variable.
 */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  input: z.input<S>,
  role: string,
  layout?: EnvLayout,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const variables = layout ? envVariablesAt(layout, issue.path) : [];
    // A message that already names its variable (a refinement's, say) reads better without it twice.
    if (variables.length === 0 || variables.some((v) => issue.message.includes(v))) return issue;
    return { ...issue, message: `${variables.join(' or ')}: ${issue.message}` };
  });
  throw new ConfigError(`invalid ${role} configuration:\n${z.prettifyError({ issues })}`);
}
