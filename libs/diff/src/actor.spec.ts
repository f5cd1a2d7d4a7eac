import { describe, expect, it } from 'vitest';
import { attributeActor, creationActor } from './actor.js';
import { deployment } from '../../../test/support/diff-fixtures.js';
import { managerKind } from './manager-kind.js';
import { DEFAULT_IGNORE_RULES, Normalizer } from './normalize.js';
import { diffObjects } from './object-diff.js';

const normalizer = new Normalizer({ ignoreRules: DEFAULT_IGNORE_RULES, maxValueBytes: 65536 });
const MANAGED = [
  {
    manager: 'kubectl-client-side-apply',
    operation: 'Update',
    time: '2025-05-30T23:35:41Z',
    fieldsV1: { 'f:spec': { 'f:template': {} } },
  },
  {
    manager: 'horizontal-pod-autoscaler',
    operation: 'Update',
    time: '2025-06-05T03:22:03Z',
    subresource: 'scale',
    fieldsV1: { 'f:spec': { 'f:replicas': {} } },
  },
  {
    manager: 'kube-controller-manager',
    operation: 'Update',
    time: '2025-06-05T04:16:09Z',
    subresource: 'status',
    fieldsV1: { 'f:status': {} },
  },
  {
    manager: 'kubectl-edit',
    operation: 'Update',
    time: '2025-06-05T04:16:04Z',
    fieldsV1: {
      'f:spec': {
        'f:template': {
          'f:spec': {
            'f:containers': { 'k:{"name":"server"}': { 'f:resources': { 'f:limits': { 'f:memory': {} } } } },
          },
        },
      },
    },
  },
];

function actorFor(mutate: (d: ReturnType<typeof deployment>) => void) {
  const before = deployment({ managedFields: MANAGED });
  const after = deployment({ managedFields: MANAGED });
  mutate(after);
  const d = diffObjects(
    normalizer.normalize(before, 'apps', 'Deployment'),
    normalizer.normalize(after, 'apps', 'Deployment'),
  );
  return attributeActor(after, d!.changes);
}

describe('actor attribution from managedFields', () => {
  it('picks the manager owning the changed field, deepest match first', () => {
    expect(actorFor((d) => (d.spec.template.spec.containers[0].resources.limits.memory = '32Mi'))).toEqual({
      manager: 'kubectl-edit',
      operation: 'Update',
      time: '2025-06-05T04:16:04Z',
      kind: 'human',
    });
  });

  it('attributes spec.replicas moved by the HPA to a controller', () => {
    expect(actorFor((d) => (d.spec.replicas = 3))).toMatchObject({
      manager: 'horizontal-pod-autoscaler',
      kind: 'controller',
    });
  });

  it('falls back to a coarser owner, then to the latest non-status entry', () => {
    expect(actorFor((d) => (d.spec.template.spec.containers[1].image = 'envoy:2'))).toMatchObject({
      manager: 'kubectl-client-side-apply',
    });
    expect(actorFor((d) => (d.metadata.labels.team = 'x'))).toMatchObject({ manager: 'kubectl-edit' });
  });

  it('names the creator and classifies managers', () => {
    expect(creationActor(deployment({ managedFields: MANAGED })).manager).toBe('kubectl-client-side-apply');
    expect(
      [
        'kubectl-set',
        'k9s',
        'helm',
        'argocd-controller',
        'flux',
        'kustomize-controller',
        'kubelet',
        'foo-operator',
        'custom',
      ].map(managerKind),
    ).toEqual(['human', 'human', 'cd', 'cd', 'cd', 'cd', 'controller', 'controller', 'unknown']);
  });
});
