import { describe, expect, it } from 'vitest';
import { deployment } from '../../../test/support/diff-fixtures.js';
import { parsePointer, removeAtPointer } from './json-pointer.js';
import { DEFAULT_IGNORE_RULES, DIGEST_PREFIX, Normalizer, type IgnoreRule } from './normalize.js';

const normalizer = new Normalizer({ ignoreRules: DEFAULT_IGNORE_RULES, maxValueBytes: 1024 });

describe('Normalizer', () => {
  it('drops managedFields, resourceVersion, generation, the template timestamp, status and the revision annotation', () => {
    const n = normalizer.normalize(deployment(), 'apps', 'Deployment') as ReturnType<typeof deployment>;
    expect(n.metadata).not.toHaveProperty('managedFields');
    expect(n.metadata).not.toHaveProperty('resourceVersion');
    expect(n.metadata).not.toHaveProperty('generation');
    // Immutable, so never a difference; it dates a revision's ReplicaSet and a pod's start for the correlator.
    expect(n.metadata).toHaveProperty('creationTimestamp');
    expect(n).not.toHaveProperty('status');
    expect(n.spec.template.metadata).not.toHaveProperty('creationTimestamp');
    expect(n.metadata.annotations).toEqual({ 'meta.helm.sh/release-name': 'shop' });
  });

  it('sorts named arrays so that re-ordering is no difference, and does not modify its input', () => {
    const input = deployment({
      env: [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
      ],
    });
    const n = normalizer.normalize(input, 'apps', 'Deployment') as ReturnType<typeof deployment>;
    expect(n.spec.template.spec.containers[0].env.map((e) => e.name)).toEqual(['A', 'B']);
    expect(input.spec.template.spec.containers[0].env[0].name).toBe('B');
    expect(input.metadata.managedFields).toBeDefined();
  });

  it('applies configured per-kind rules with wildcards, and only to their kind and group', () => {
    const custom = new Normalizer({
      ignoreRules: [
        {
          group: 'apps',
          kind: 'Deployment',
          jsonPointers: ['/spec/replicas', '/spec/template/spec/containers/*/resources'],
        },
      ],
      maxValueBytes: 1024,
    });
    const n = custom.normalize(deployment(), 'apps', 'Deployment') as ReturnType<typeof deployment>;
    expect(n.spec).not.toHaveProperty('replicas');
    expect(n.spec.template.spec.containers.every((c) => !('resources' in c))).toBe(true);
    const other = custom.normalize(deployment(), 'extensions', 'Deployment') as ReturnType<typeof deployment>;
    expect(other.spec.replicas).toBe(2);
  });

  it('replaces huge string values by a digest that still changes when they do', () => {
    const cm = (v: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { big: v, small: 'x' },
    });
    const a = normalizer.normalize(cm('a'.repeat(5000)), '', 'ConfigMap') as { data: Record<string, string> };
    const b = normalizer.normalize(cm('b'.repeat(5000)), '', 'ConfigMap') as { data: Record<string, string> };
    expect(a.data.big.startsWith(DIGEST_PREFIX)).toBe(true);
    expect(a.data.big).not.toBe(b.data.big);
    expect(a.data.small).toBe('x');
  });
});

describe('Normalizer removals', () => {
  // The reference: copy everything, then remove pointer by pointer, rule by rule (RFC 6901 on the copy).
  function reference(o: Record<string, unknown>, rules: readonly IgnoreRule[]) {
    // A copy: normalizing keeps what is already canonical as the input's own, and removing here mutates.
    const copy = structuredClone(
      new Normalizer({ ignoreRules: [], maxValueBytes: 65536 }).normalize(o, 'apps', 'Deployment'),
    );
    for (const r of rules) for (const p of r.jsonPointers) removeAtPointer(copy, parsePointer(p));
    return copy;
  }

  it('removes what removing after copying would, wildcards and array indices included', () => {
    const rules: IgnoreRule[] = [
      ...DEFAULT_IGNORE_RULES.filter((r) => r.kind === '*' || r.kind === 'Deployment'),
      { kind: 'Deployment', jsonPointers: ['/spec/template/spec/containers/*/env/0', '/metadata/labels/*'] },
      {
        kind: '*',
        jsonPointers: ['/spec/template/spec/containers/1', '/spec/*/spec/containers/*/resources/limits'],
      },
      { kind: '*', jsonPointers: ['/metadata/annotations/missing', '/spec/template/spec/containers/0/name'] },
    ];
    const o = deployment() as unknown as Record<string, unknown>;
    const normalizer = new Normalizer({ ignoreRules: rules, maxValueBytes: 65536 });
    const got = normalizer.normalize(o, 'apps', 'Deployment');
    expect(JSON.stringify(got)).toBe(JSON.stringify(reference(o, rules)));
    expect(JSON.stringify(normalizer.normalize(o, 'apps', 'Deployment'))).toBe(JSON.stringify(got));
  });

  it('leaves the input as it was and shares the parts that were canonical already', () => {
    const o = deployment() as unknown as Record<string, unknown>;
    const before = JSON.stringify(o);
    const got = new Normalizer({ ignoreRules: DEFAULT_IGNORE_RULES, maxValueBytes: 65536 }).normalize(
      o,
      'apps',
      'Deployment',
    ) as { spec: { template: { spec: unknown } }; metadata: unknown; status?: unknown };
    expect(JSON.stringify(o)).toBe(before);
    expect(got.status).toBeUndefined();
    expect(got.metadata).not.toBe(o.metadata);
    expect(got.spec.template.spec).toBe((o.spec as { template: { spec: unknown } }).template.spec);
  });
});
