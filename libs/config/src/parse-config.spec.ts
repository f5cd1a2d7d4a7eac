import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError } from './config-error.js';
import { secretVariable } from './env-layout.js';
import { list, port } from './env-values.js';
import { parseConfig } from './parse-config.js';

const Schema = z.object({
  http: z.object({ host: z.string().default('0.0.0.0'), port: port.default(8083) }).prefault({}),
  key: z.string().min(16, 'X_KEY must be at least 16 characters').optional(),
});
const LAYOUT = { http: { host: 'X_HTTP_HOST', port: 'X_HTTP_PORT' }, key: 'X_KEY' };

function errorOf(run: () => unknown): ConfigError {
  try {
    run();
  } catch (err) {
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('returns the parsed settings, defaults applied', () => {
    expect(parseConfig(Schema, {}, 'test')).toEqual({ http: { host: '0.0.0.0', port: 8083 } });
  });

  it('throws one ConfigError naming the role, each bad setting, its variable and why', () => {
    const err = errorOf(() => parseConfig(Schema, { http: { port: 'http' }, key: 'short' }, 'test', LAYOUT));
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toBe(
      [
        'invalid test configuration:',
        '✖ X_KEY must be at least 16 characters',
        '  → at key',
        '✖ X_HTTP_PORT: Invalid input: expected number, received NaN',
        '  → at http.port',
      ].join('\n'),
    );
  });

  it('names the path alone when the input did not come from a layout', () => {
    const err = errorOf(() => parseConfig(Schema, { http: { port: -1 } }, 'test'));
    expect(err.message).toContain('✖ Too small: expected number to be >=0\n  → at http.port');
    expect(err.message).not.toMatch(/ZodError|\n\s+at .*\(/);
  });

  it('names both variables of a secret', () => {
    const tokens = z.object({
      tokens: list(z.array(z.string().min(16, 'a token has at least 16 characters'))),
    });
    const err = errorOf(() =>
      parseConfig(tokens, { tokens: 'short' }, 'test', { tokens: secretVariable('X_TOKENS') }),
    );
    expect(err.message).toContain(
      '✖ X_TOKENS or X_TOKENS_FILE: a token has at least 16 characters\n  → at tokens[0]',
    );
  });
});
