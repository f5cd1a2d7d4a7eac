import { describe, expect, it } from 'vitest';
import { deployment } from './fixtures.spec-helper.js';
import { DEFAULT_IGNORE_RULES, Normalizer } from './normalize.js';
import { diffObjects } from './object-diff.js';

const normalizer = new Normalizer({ ignoreRules: DEFAULT_IGNORE_RULES, maxValueBytes: 65536 });
const norm = (o: Record<string, unknown>) => normalizer.normalize(o, 'apps', 'Deployment');

describe('diffObjects', () => {
  it('finds no change in a re-ordered env list, container list or a status-only update', () => {
    const a = deployment();
    const b = deployment({
      env: [
        { name: 'B', value: '2' },
        { name: 'A', value: '1' },
      ],
    });
    b.spec.template.spec.containers.reverse();
    b.status.readyReplicas = 1;
    b.metadata.resourceVersion = '11';
    expect(diffObjects(norm(a), norm(b))).toBeUndefined();
  });

  it('reports an image bump as one replace at a JSON pointer, labelled by container name', () => {
    const d = diffObjects(norm(deployment()), norm(deployment({ image: 'registry.example/cart:v2' })));
    expect(
      d?.changes.map(({ path, op, old, new: next, label }) => ({ path, op, old, new: next, label })),
    ).toEqual([
      {
        path: '/spec/template/spec/containers/0/image',
        op: 'replace',
        old: 'registry.example/cart:v1',
        new: 'registry.example/cart:v2',
        label: 'spec.template.spec.containers[server].image',
      },
    ]);
    expect(d?.delta).toBeTypeOf('object');
  });

  it('reports added and removed env vars by name', () => {
    const d = diffObjects(
      norm(deployment()),
      norm(
        deployment({
          env: [
            { name: 'A', value: '1' },
            { name: 'C', value: '3' },
          ],
        }),
      ),
    );
    const byOp = Object.fromEntries(d!.changes.map((c) => [c.op, c.label]));
    expect(byOp).toEqual({
      add: 'spec.template.spec.containers[server].env[C]',
      remove: 'spec.template.spec.containers[server].env[B]',
    });
  });
});
