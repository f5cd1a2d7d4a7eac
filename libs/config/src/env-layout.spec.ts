import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { envVariablesAt, readEnv, secretVariable } from './env-layout.js';

interface Input {
  cluster?: string;
  http?: { host?: string; port?: unknown };
  apiKey?: string;
}
const LAYOUT = {
  cluster: 'IA_CLUSTER_ID',
  http: { host: 'X_HTTP_HOST', port: 'X_HTTP_PORT' },
  apiKey: secretVariable('X_API_KEY'),
};

describe('readEnv', () => {
  it('reads the variables a layout names into the shape of the schema input', () => {
    expect(readEnv<Input>({ IA_CLUSTER_ID: 'prod', X_HTTP_PORT: '9000', OTHER: 'x' }, LAYOUT)).toEqual({
      cluster: 'prod',
      http: { port: '9000' },
    });
  });

  it('takes an empty variable for an unset one and leaves out a group with nothing set', () => {
    expect(readEnv<Input>({ IA_CLUSTER_ID: '', X_HTTP_HOST: '' }, LAYOUT)).toEqual({});
  });

  it('reads a secret from the file NAME_FILE names before NAME, trimmed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ia-config-'));
    writeFileSync(join(dir, 'api-key'), 'from-file\n');
    expect(readEnv<Input>({ X_API_KEY_FILE: join(dir, 'api-key'), X_API_KEY: 'from-env' }, LAYOUT)).toEqual({
      apiKey: 'from-file',
    });
    expect(readEnv<Input>({ X_API_KEY: ' from-env ' }, LAYOUT)).toEqual({ apiKey: 'from-env' });
  });

  it('names the variable of a secret file it cannot read, without a stack trace in the message', () => {
    const read = () => readEnv<Input>({ X_API_KEY_FILE: '/nonexistent/api-key' }, LAYOUT);
    expect(read).toThrow(ConfigError);
    expect(read).toThrow('X_API_KEY_FILE: cannot read /nonexistent/api-key (ENOENT)');
  });
});

describe('envVariablesAt', () => {
  it('finds the variables behind an issue path, also below a list setting', () => {
    expect(envVariablesAt(LAYOUT, ['http', 'port'])).toEqual(['X_HTTP_PORT']);
    expect(envVariablesAt({ tokens: secretVariable('X_TOKENS') }, ['tokens', 0])).toEqual([
      'X_TOKENS',
      'X_TOKENS_FILE',
    ]);
    expect(envVariablesAt(LAYOUT, ['http'])).toEqual([]);
    expect(envVariablesAt(LAYOUT, ['nothing', 'here'])).toEqual([]);
  });
});
