import { z } from 'zod';

// Schemas for values as an operator writes them in the environment (strings), that take the typed value as well
// when a config object is built in code (the all-in-one, tests).

const FLAG_WORDS: Readonly<Record<string, boolean>> = { true: true, '1': true, false: false, '0': false };

/** `true`/`false`/`1`/`0` (any case), or a boolean. */
export const flag = z.preprocess(
  (v) => (typeof v === 'string' ? (FLAG_WORDS[v.trim().toLowerCase()] ?? v) : v),
  z.boolean({ error: 'expected true, false, 1 or 0' }),
);

/** A TCP port; 0 picks a free one (tests). */
export const port = z.coerce.number().int().min(0).max(65_535);

export const positiveInt = z.coerce.number().int().positive();

export const nonNegativeInt = z.coerce.number().int().min(0);

/** Items separated by commas and/or whitespace (also newlines, as in a mounted file), or an array. */
export function list<T extends z.ZodType<unknown[]>>(items: T) {
  return z.preprocess((v) => (typeof v === 'string' ? v.split(/[\s,]+/).filter(Boolean) : v), items);
}

/** A JSON document, or its value; text that is not JSON is an issue of this setting, not an exception. */
export function json<T extends z.ZodType>(value: T) {
  return z.preprocess((v, ctx) => {
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v) as unknown;
    } catch (err) {
      ctx.issues.push({ code: 'custom', message: `not JSON (${(err as Error).message})`, input: v });
      return z.NEVER;
    }
  }, value);
}
