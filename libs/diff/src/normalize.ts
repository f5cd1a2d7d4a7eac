import { createHash } from 'node:crypto';
import { parsePointer, removeAtPointer } from './json-pointer.js';
import { RemovalTrie } from './removal-trie.js';

/**
 * Fields to leave out of diffs, per kind, as JSON pointers (Argo CD's `ignoreDifferences`). `kind: '*'` applies to
 * every kind; `group` narrows a rule to one API group when given.
 */
export interface IgnoreRule {
  group?: string;
  kind: string;
  jsonPointers: readonly string[];
}

/**
 * What the API server and controllers move on their own. `status` is analysed separately (anomaly signals);
 * the revision annotations move with every rollout the template diff already shows; last-applied duplicates spec.
 * `metadata.creationTimestamp` stays: it never moves, and it dates a ReplicaSet's revision and a pod's start.
 */
export const DEFAULT_IGNORE_RULES: readonly IgnoreRule[] = [
  {
    kind: '*',
    jsonPointers: [
      '/status',
      '/metadata/managedFields',
      '/metadata/resourceVersion',
      '/metadata/generation',
      '/metadata/deletionTimestamp',
      '/metadata/deletionGracePeriodSeconds',
      '/metadata/selfLink',
      '/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration',
      '/spec/template/metadata/creationTimestamp',
      '/spec/jobTemplate/spec/template/metadata/creationTimestamp',
    ],
  },
  {
    group: 'apps',
    kind: 'Deployment',
    jsonPointers: ['/metadata/annotations/deployment.kubernetes.io~1revision'],
  },
  {
    group: 'apps',
    kind: 'ReplicaSet',
    jsonPointers: [
      '/metadata/annotations/deployment.kubernetes.io~1revision',
      '/metadata/annotations/deployment.kubernetes.io~1desired-replicas',
      '/metadata/annotations/deployment.kubernetes.io~1max-replicas',
    ],
  },
  { kind: 'Pod', jsonPointers: ['/metadata/generateName'] },
];

export interface NormalizeOptions {
  ignoreRules: readonly IgnoreRule[];
  /** String values longer than this are replaced by their digest: still diffable, never megabytes in the state. */
  maxValueBytes: number;
}

interface CompiledRule {
  group?: string;
  kind: string;
  pointers: string[][];
}

/** Compiles ignore rules once; normalizing runs for every event. */
export class Normalizer {
  private readonly rules: CompiledRule[];
  /** Per group/kind: the removals of every rule that applies to it (a handful of kinds, so no bound). */
  private readonly tries = new Map<string, RemovalTrie | null>();

  constructor(private readonly options: NormalizeOptions) {
    this.rules = options.ignoreRules.map((r) => ({
      group: r.group,
      kind: r.kind,
      pointers: r.jsonPointers.map(parsePointer),
    }));
  }

  /**
   * The canonical form for diffing and for the state store: named arrays sorted by name (so reordering is no
   * change), huge strings digested, ignored fields removed. The input is not modified, and the result shares its
   * canonical parts with it: neither may be modified afterwards.
   */
  normalize(object: Record<string, unknown>, group: string, kind: string): Record<string, unknown> {
    return canonicalize(object, this.options.maxValueBytes, this.trie(group, kind)) as Record<
      string,
      unknown
    >;
  }

  private trie(group: string, kind: string): RemovalTrie | null {
    const key = `${group}/${kind}`;
    let trie = this.tries.get(key);
    if (trie === undefined) {
      const pointers: string[][] = [];
      for (const rule of this.rules) {
        if (rule.kind !== '*' && rule.kind !== kind) continue;
        if (rule.group !== undefined && rule.group !== group) continue;
        pointers.push(...rule.pointers);
      }
      trie = RemovalTrie.of(pointers);
      this.tries.set(key, trie);
    }
    return trie;
  }
}

export const DIGEST_PREFIX = 'sha256:';

function canonicalString(value: string, maxValueBytes: number): string {
  if (value.length <= maxValueBytes / 4 || Buffer.byteLength(value) <= maxValueBytes) return value;
  const digest = createHash('sha256').update(value).digest('hex');
  return `${DIGEST_PREFIX}${digest} (${Buffer.byteLength(value)} bytes, digested)`;
}

/**
 * `value` in canonical form, leaving out what `removals` designates. Copy on write: a member or item that is
 * already canonical is the input's own (the spec of a workload, most of it, is not copied), and only the
 * containers of a removed or changed member are new. Below an array with removals the exact RFC 6901 semantics
 * (indices into the sorted array, applied rule by rule) are kept by removing from a deep copy; the default rules
 * never go through arrays.
 */
function canonicalize(
  value: unknown,
  maxValueBytes: number,
  removals: RemovalTrie | null,
  copy = false,
): unknown {
  if (typeof value === 'string') return canonicalString(value, maxValueBytes);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return canonicalArray(value, maxValueBytes, removals, copy);
  const input = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined = copy ? {} : undefined;
  for (const k in input) {
    if (!Object.prototype.hasOwnProperty.call(input, k)) continue;
    const below = removals && removals.child(k);
    if (below?.terminal) {
      out ??= membersBefore(input, k);
      continue;
    }
    const v = canonicalize(input[k], maxValueBytes, below, copy);
    if (out) out[k] = v;
    else if (v !== input[k]) (out = membersBefore(input, k))[k] = v;
  }
  return out ?? input;
}

function canonicalArray(
  input: readonly unknown[],
  maxValueBytes: number,
  removals: RemovalTrie | null,
  copy: boolean,
): unknown[] {
  // Removing mutates: from a copy of its own, never from the input.
  const deep = copy || removals !== null;
  let items: unknown[] | undefined = deep ? [] : undefined;
  for (let i = 0; i < input.length; i++) {
    const v = canonicalize(input[i], maxValueBytes, null, deep);
    if (items) items.push(v);
    else if (v !== input[i]) (items = input.slice(0, i)).push(v);
  }
  let result = items ?? (input as unknown[]);
  if (result.length > 1 && result.every(hasName) && !sortedByName(result)) {
    result = ((items ?? input.slice()) as { name: string }[]).sort(byName);
  }
  if (removals) for (const s of removals.suffixes) removeAtPointer(result, s.path);
  return result;
}

/** A new object with the members of `input` before `key`: they were canonical as they are. */
function membersBefore(input: Record<string, unknown>, key: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k in input) {
    if (k === key) break;
    if (Object.prototype.hasOwnProperty.call(input, k)) out[k] = input[k];
  }
  return out;
}

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function sortedByName(items: readonly { name: string }[]): boolean {
  for (let i = 1; i < items.length; i++) if (byName(items[i - 1], items[i]) > 0) return false;
  return true;
}

function hasName(v: unknown): v is { name: string } {
  return v !== null && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string';
}
