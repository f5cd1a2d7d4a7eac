import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { attributeActor, creationActor, deletionActor, UNKNOWN_ACTOR, writerStamps } from './actor.js';
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

/** Each kubectl verb against a live kube-apiserver v1.32.13 (test/support/capture-managed-fields.sh). */
const live = JSON.parse(
  readFileSync(new URL('../../../test/support/live-managed-fields.json', import.meta.url), 'utf8'),
) as { steps: Array<{ verb: string; before: Record<string, unknown>; after: Record<string, unknown> }> };

describe('actor attribution comparing managedFields before and after (captured live)', () => {
  const step = (verb: string) => {
    const s = live.steps.find((x) => x.verb === verb);
    if (!s) throw new Error(`no captured step '${verb}'`);
    const d = diffObjects(
      normalizer.normalize(s.before, 'apps', 'Deployment'),
      normalizer.normalize(s.after, 'apps', 'Deployment'),
    );
    expect(d, `${verb} changed the Deployment`).toBeTruthy();
    return {
      withPrevious: attributeActor(s.after, d!.changes, writerStamps(s.before)),
      withoutPrevious: attributeActor(s.after, d!.changes),
    };
  };

  it.each([
    ['kubectl scale', 'kubectl', 'scale'],
    ['kubectl scale (again)', 'kubectl', 'scale'],
    ['kubectl rollout restart', 'kubectl-rollout', undefined],
    ['kubectl set image', 'kubectl-set', undefined],
    ['kubectl patch', 'kubectl-patch', undefined],
    ['kubectl edit', 'kubectl-edit', undefined],
    ['kubectl apply (client side)', 'kubectl-client-side-apply', undefined],
    ['kubectl apply --server-side', 'kubectl', undefined],
    ['kubectl scale (after server-side apply)', 'kubectl', 'scale'],
  ])('%s is attributed to %s', (verb, manager, subresource) => {
    const { withPrevious } = step(verb);
    expect(withPrevious).toMatchObject({ manager, kind: 'human' });
    const entry = (live.steps.find((x) => x.verb === verb)!.after.metadata as { managedFields: unknown[] })
      .managedFields as Array<{ manager: string; subresource?: string; operation: string }>;
    const expected = entry.find((e) => e.manager === manager && e.subresource === subresource)!;
    expect(withPrevious.operation).toBe(expected.operation);
  });

  it('names nobody for a removal, which managedFields do not record, rather than the entry that lost the field', () => {
    // `kubectl set env LEVEL-` removes an env var owned by kubectl-client-side-apply: that entry shrinks, and
    // kubectl-set's entry neither moves nor grows. Ownership alone names the loser.
    const { withPrevious, withoutPrevious } = step('kubectl set env (removes LEVEL)');
    expect(withPrevious).toEqual(UNKNOWN_ACTOR);
    expect(withoutPrevious.manager).toBe('kubectl-client-side-apply');
  });

  it('names nobody for a scale to zero, whose scale entry records no field and disappears', () => {
    const { withPrevious, withoutPrevious } = step('kubectl scale to zero');
    expect(withPrevious).toEqual(UNKNOWN_ACTOR);
    expect(withoutPrevious).toMatchObject({ manager: 'kubectl', operation: 'Apply' }); // the latest entry: wrong
  });

  it('does not take an earlier write the differ did not keep for this one', () => {
    // kubectl apply --server-side writes the last-applied annotation in a second request (manager
    // kubectl-last-applied, no time); that write changes nothing the differ diffs, so its state kept the stamps
    // from before it. The next scale then sees that entry as new, but it owns nothing the scale changed.
    const s = live.steps.find((x) => x.verb === 'kubectl scale (after server-side apply)')!;
    const d = diffObjects(
      normalizer.normalize(s.before, 'apps', 'Deployment'),
      normalizer.normalize(s.after, 'apps', 'Deployment'),
    )!;
    const stale = writerStamps(s.before).filter((w) => w.manager !== 'kubectl-last-applied');
    expect(attributeActor(s.after, d.changes, stale)).toMatchObject({
      manager: 'kubectl',
      operation: 'Update',
    });
  });

  it('attributes a deletion to the garbage collector when owned, else to the last person or tool that wrote it', () => {
    const after = live.steps.at(-1)!.after;
    expect(deletionActor(after)).toEqual({ manager: 'kubectl', operation: 'Delete', kind: 'human' });
    expect(
      deletionActor({
        metadata: { ownerReferences: [{ kind: 'ReplicaSet', name: 'x' }], managedFields: [] },
      }),
    ).toEqual({ manager: 'garbage-collector', kind: 'controller' });
    expect(
      deletionActor({
        metadata: { managedFields: [{ manager: 'kube-controller-manager', operation: 'Update', time: 't' }] },
      }),
    ).toEqual(UNKNOWN_ACTOR);
  });
});
