import { describe, expect, it } from 'vitest';
import { classifyLifecycle, classifyUpdate } from './classify.js';
import { deployment } from '../../../test/support/diff-fixtures.js';
import { DEFAULT_IGNORE_RULES, Normalizer } from './normalize.js';
import { diffObjects } from './object-diff.js';

const normalizer = new Normalizer({ ignoreRules: DEFAULT_IGNORE_RULES, maxValueBytes: 65536 });

function classesOf(kind: string, before: Record<string, unknown>, after: Record<string, unknown>) {
  const d = diffObjects(
    normalizer.normalize(before, 'apps', kind),
    normalizer.normalize(after, 'apps', kind),
  );
  return classifyUpdate(kind, d!.changes);
}

describe('classification', () => {
  it('classifies pod template changes', () => {
    const base = deployment();
    const edit = (f: (d: ReturnType<typeof deployment>) => void) => {
      const d = deployment();
      f(d);
      return classesOf('Deployment', base, d);
    };
    expect(edit((d) => (d.spec.template.spec.containers[0].image = 'x:2'))).toEqual(['image']);
    expect(edit((d) => (d.spec.template.spec.containers[0].env[0].value = '9'))).toEqual(['env']);
    expect(edit((d) => (d.spec.template.spec.containers[0].resources.limits.memory = '64Mi'))).toEqual([
      'resources',
    ]);
    expect(
      edit((d) =>
        Object.assign(d.spec.template.spec.containers[0], { readinessProbe: { grpc: { port: 1 } } }),
      ),
    ).toEqual(['probes']);
    expect(edit((d) => Object.assign(d.spec.template.spec, { nodeSelector: { pool: 'b' } }))).toEqual([
      'scheduling',
    ]);
    expect(
      edit((d) =>
        Object.assign(d.spec.template.metadata, {
          annotations: { 'kubectl.kubernetes.io/restartedAt': 'now' },
        }),
      ),
    ).toEqual(['rollout']);
    expect(edit((d) => (d.spec.replicas = 0))).toEqual(['scale-to-zero']);
    expect(edit((d) => (d.spec.replicas = 5))).toEqual(['replicas']);
    expect(edit((d) => (d.metadata.labels.team = 'x'))).toEqual(['metadata']);
    // Several at once: riskiest first.
    expect(
      edit((d) => {
        d.spec.replicas = 5;
        d.spec.template.spec.containers[0].image = 'x:2';
      }),
    ).toEqual(['image', 'replicas']);
  });

  it('classifies data of ConfigMaps and Secrets, and NetworkPolicy creation', () => {
    const cm = (v: string) => ({ kind: 'ConfigMap', metadata: { name: 'c' }, data: { k: v } });
    expect(classesOf('ConfigMap', cm('a'), cm('b'))).toEqual(['config-data']);
    const s = (v: string) => ({
      kind: 'Secret',
      metadata: { name: 's' },
      data: { password: `hmac-sha256:${v}` },
    });
    expect(classesOf('Secret', s('a'), s('b'))).toEqual(['secret-rotation']);
    expect(classifyLifecycle('NetworkPolicy', 'create', {})).toEqual(['network-policy', 'creation']);
    expect(classifyLifecycle('Deployment', 'delete', {})).toEqual(['deletion']);
  });
});
