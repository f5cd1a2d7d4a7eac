import { create } from 'jsondiffpatch';
import { describe, expect, it } from 'vitest';
import { deployment } from '../../../test/support/diff-fixtures.js';
import { DEFAULT_IGNORE_RULES, Normalizer } from './normalize.js';
import { diffJson, diffObjects, itemIdentity } from './object-diff.js';

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

describe('diffJson', () => {
  // The reference: jsondiffpatch on the whole objects, with the options diffObjects uses.
  const reference = create({
    objectHash: (item) => itemIdentity(item),
    arrays: { detectMove: true, includeValueOnMove: false },
    cloneDiffValues: false,
  });

  /** Small deterministic PRNG, so a failure reproduces. */
  function random(seed: number) {
    return () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  }

  /** A random edit somewhere in a JSON tree: change, add or remove a member, or an array item. */
  function mutate(value: unknown, rnd: () => number): unknown {
    if (Array.isArray(value)) {
      const copy = value.map((v) => (rnd() < 0.3 ? mutate(v, rnd) : v));
      const r = rnd();
      if (r < 0.2) copy.push({ name: `n${Math.floor(rnd() * 5)}`, value: rnd() });
      else if (r < 0.4 && copy.length) copy.splice(Math.floor(rnd() * copy.length), 1);
      else if (r < 0.5) copy.reverse();
      return copy;
    }
    if (value !== null && typeof value === 'object') {
      const copy: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = rnd();
        if (r < 0.05) continue;
        copy[k] = r < 0.4 ? mutate(v, rnd) : v;
      }
      if (rnd() < 0.1) copy[`k${Math.floor(rnd() * 3)}`] = rnd() < 0.5 ? [1, 2] : { x: null };
      return copy;
    }
    const r = rnd();
    return r < 0.3 ? value : r < 0.6 ? `${String(value)}!` : r < 0.8 ? null : { was: value };
  }

  it('computes the same delta as jsondiffpatch on the whole objects', () => {
    const rnd = random(42);
    const base = norm(deployment()) as unknown;
    for (let i = 0; i < 500; i++) {
      const a = mutate(base, rnd);
      const b = mutate(a, rnd);
      expect(diffJson(a, b)).toEqual(reference.diff(a, b));
      expect(diffJson(a, a)).toBeUndefined();
    }
  });
});
