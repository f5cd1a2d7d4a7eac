import { create, type Delta } from 'jsondiffpatch';
import type { DiffPath } from '#contracts';
import { toPointer } from './json-pointer.js';

/** One step of a changed path: an object member, or an array item with the item itself (for names and owners). */
export type PathSegment = string | { index: number; item: unknown };

/** A changed path with what classification and actor attribution need beyond the public DiffPath. */
export interface FlatChange extends DiffPath {
  segments: PathSegment[];
  /** `spec.template.spec.containers[server].image`: what a person reads. */
  label: string;
}

export interface ObjectDiff {
  delta: Delta;
  changes: FlatChange[];
}

/**
 * Array items are matched by identity, not position: containers, env, ports, volumes... by `name`; other lists by a
 * stable key (`key`, `containerPort/protocol`, `ip`) or, failing that, their content.
 */
export function itemIdentity(item: object): string {
  const o = item as Record<string, unknown>;
  if (typeof o.name === 'string') return `name:${o.name}`;
  if (typeof o.key === 'string') return `key:${o.key}`;
  if (typeof o.containerPort === 'number') return `port:${o.containerPort}/${String(o.protocol ?? 'TCP')}`;
  if (typeof o.port === 'number') return `port:${o.port}/${String(o.protocol ?? 'TCP')}`;
  if (typeof o.ip === 'string') return `ip:${o.ip}`;
  return JSON.stringify(o);
}

const differ = create({
  objectHash: (item) => itemIdentity(item),
  // Named arrays are sorted by normalization; moves left are re-orderings of unnamed lists, not changes we report.
  arrays: { detectMove: true, includeValueOnMove: false },
  cloneDiffValues: false,
});

/** Diffs two normalized objects. `undefined` when they are equal (after normalization). */
export function diffObjects(before: unknown, after: unknown): ObjectDiff | undefined {
  const delta = diffJson(before, after);
  if (delta === undefined) return undefined;
  const changes: FlatChange[] = [];
  flatten(delta, after, [], changes);
  if (changes.length === 0) return undefined; // only moves: a re-ordering
  return { delta, changes };
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/**
 * The delta jsondiffpatch computes, computed faster: objects are walked here, member by member in jsondiffpatch's
 * order (left's members, then right's new ones), and only arrays that differ are handed to jsondiffpatch (for
 * its item matching and moves). jsondiffpatch builds a context object per node of both trees, which made diffing
 * the largest cost of the differ, while a change touches a few paths of an object of hundreds.
 */
export function diffJson(left: unknown, right: unknown): Delta {
  if (left === right) return undefined;
  if (isObject(left) && isObject(right)) {
    let delta: Record<string, Delta> | undefined;
    for (const k in left) {
      if (!own(left, k)) continue;
      const d = diffJson(left[k], right[k]);
      if (d !== undefined) (delta ??= {})[k] = d;
    }
    for (const k in right) {
      if (!own(right, k) || left[k] !== undefined) continue;
      const d = diffJson(undefined, right[k]);
      if (d !== undefined) (delta ??= {})[k] = d;
    }
    return delta;
  }
  if (Array.isArray(left) && Array.isArray(right)) return diffArrays(left, right);
  if (left === undefined) return [right];
  if (right === undefined) return [left, 0, 0];
  return [left, right];
}

/** Same item, as jsondiffpatch matches items (see matchItems in its arrays filter) with our objectHash. */
function sameItem(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isObject(a) || !isObject(b)) return false;
  // Named items (nearly all): the identities are `name:` strings, equal exactly when the names are. An item with
  // a name never has the identity of one without (those are `key:`, `port:`, `ip:` or JSON text).
  const [an, bn] = [a.name, b.name];
  if (typeof an === 'string' || typeof bn === 'string') return an === bn;
  return itemIdentity(a) === itemIdentity(b);
}

/**
 * Arrays whose items are the same ones at the same places (containers, env, ports: nearly every changed array)
 * differ only inside items; that is jsondiffpatch's "common head" case, whose delta is the items' deltas by index.
 * Anything else (items added, removed, moved) is jsondiffpatch's.
 */
function diffArrays(left: unknown[], right: unknown[]): Delta {
  if (left.length !== right.length) return differ.diff(left, right);
  for (let i = 0; i < left.length; i++) if (!sameItem(left[i], right[i])) return differ.diff(left, right);
  let delta: Record<string, unknown> | undefined;
  for (let i = 0; i < left.length; i++) {
    const d = diffJson(left[i], right[i]);
    if (d !== undefined) (delta ??= {})[i] = d;
  }
  if (delta) delta._t = 'a';
  return delta as Delta;
}

function itemLabel(item: unknown, index: number): string {
  if (item && typeof item === 'object') {
    const o = item as Record<string, unknown>;
    for (const k of ['name', 'key', 'containerPort', 'port', 'ip']) {
      if (typeof o[k] === 'string' || typeof o[k] === 'number') return String(o[k]);
    }
  }
  if (typeof item === 'string' || typeof item === 'number') return String(item);
  return String(index);
}

function push(
  out: FlatChange[],
  segments: PathSegment[],
  op: DiffPath['op'],
  old: unknown,
  next: unknown,
): void {
  const pointer = toPointer(segments.map((s) => (typeof s === 'string' ? s : s.index)));
  let label = '';
  for (const s of segments) {
    if (typeof s === 'string') label += (label ? '.' : '') + s;
    else label += `[${itemLabel(s.item, s.index)}]`;
  }
  const change: FlatChange = { path: pointer, op, segments, label };
  if (op !== 'add') change.old = old;
  if (op !== 'remove') change.new = next;
  out.push(change);
}

function flatten(delta: Delta, right: unknown, segments: PathSegment[], out: FlatChange[]): void {
  if (delta === undefined) return;
  if (Array.isArray(delta)) {
    if (delta.length === 1) push(out, segments, 'add', undefined, delta[0]);
    else if (delta.length === 2) push(out, segments, 'replace', delta[0], delta[1]);
    else if (delta[2] === 0) push(out, segments, 'remove', delta[0], undefined);
    // delta[2] === 3 is a move (re-ordering): not a change. Text diffs (2) are not enabled.
    return;
  }
  const rightObj = (right ?? {}) as Record<string, unknown>;
  if ((delta as { _t?: unknown })._t === 'a') {
    const arr = Array.isArray(right) ? right : [];
    for (const [key, sub] of Object.entries(delta)) {
      if (key === '_t') continue;
      if (key.startsWith('_')) {
        const d = sub as unknown[];
        if (d[2] === 3) continue;
        push(out, [...segments, { index: Number(key.slice(1)), item: d[0] }], 'remove', d[0], undefined);
      } else {
        const index = Number(key);
        flatten(sub as Delta, arr[index], [...segments, { index, item: arr[index] }], out);
      }
    }
    return;
  }
  for (const [key, sub] of Object.entries(delta as Record<string, Delta>)) {
    flatten(sub, rightObj[key], [...segments, key], out);
  }
}
