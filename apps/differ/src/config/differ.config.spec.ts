import { describe, expect, it } from 'vitest';
import { DEFAULT_PARTITIONS_CONCURRENTLY } from '../differ.options.js';
import { differConfigFromEnv, parseDifferConfig } from './differ.config.js';

const fromEnv = (env: NodeJS.ProcessEnv) => parseDifferConfig(differConfigFromEnv(env));

describe('differ configuration', () => {
  it('has working defaults', () => {
    expect(fromEnv({})).toEqual({
      http: { host: '0.0.0.0', port: 8082 },
      groupId: 'ia-differ',
      ignoreDifferences: [],
      logChanges: true,
      partitionsConcurrently: DEFAULT_PARTITIONS_CONCURRENTLY,
    });
  });

  it('reads DIFFER_* from the environment', () => {
    const c = fromEnv({
      DIFFER_HTTP_PORT: '9082',
      DIFFER_GROUP_ID: 'differ-b',
      DIFFER_IGNORE_KINDS: 'Lease, Event',
      DIFFER_IGNORE_DIFFERENCES: '[{"kind":"Deployment","jsonPointers":["/spec/replicas"]}]',
      DIFFER_CONTROLLER_OWNED_KINDS: 'Pod',
      DIFFER_LOG_CHANGES: 'false',
      DIFFER_PARTITIONS_CONCURRENTLY: '4',
    });
    expect(c).toEqual({
      http: { host: '0.0.0.0', port: 9082 },
      groupId: 'differ-b',
      ignoreKinds: ['Lease', 'Event'],
      ignoreDifferences: [{ kind: 'Deployment', jsonPointers: ['/spec/replicas'] }],
      controllerOwnedKinds: ['Pod'],
      logChanges: false,
      partitionsConcurrently: 4,
    });
  });

  it('names the variable that is wrong, JSON that does not parse included', () => {
    expect(() => fromEnv({ DIFFER_IGNORE_DIFFERENCES: '[{kind: Deployment}]' })).toThrow(
      /invalid differ configuration:\n✖ DIFFER_IGNORE_DIFFERENCES: not JSON \(/,
    );
    expect(() =>
      fromEnv({ DIFFER_IGNORE_DIFFERENCES: '[{"kind":"Deployment","jsonPointers":["spec"]}]' }),
    ).toThrow(
      /DIFFER_IGNORE_DIFFERENCES: a JSON pointer starts with \/\n {2}→ at ignoreDifferences\[0\]\.jsonPointers\[0\]/,
    );
    expect(() => fromEnv({ DIFFER_IGNORE_KINDS: 'Lease,apps/v1' })).toThrow(
      /DIFFER_IGNORE_KINDS: a kind is a Kubernetes Kind/,
    );
    expect(() => fromEnv({ DIFFER_LOG_CHANGES: 'yes' })).toThrow(
      /DIFFER_LOG_CHANGES: expected true, false, 1 or 0/,
    );
  });
});
