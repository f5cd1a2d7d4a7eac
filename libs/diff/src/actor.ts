import type { Actor } from '#contracts';
import { managerKind } from './manager-kind.js';
import type { FlatChange, PathSegment } from './object-diff.js';

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  time?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

export const UNKNOWN_ACTOR: Actor = { manager: 'unknown', kind: 'unknown' };

function entriesOf(object: Record<string, unknown>): ManagedFieldsEntry[] {
  const md = object.metadata as { managedFields?: unknown } | undefined;
  const list = Array.isArray(md?.managedFields) ? (md.managedFields as ManagedFieldsEntry[]) : [];
  // Status writers (kubelet, controllers' status subresource) never own the spec or data we diff.
  return list.filter((e) => e && typeof e.manager === 'string' && e.subresource !== 'status');
}

function toActor(e: ManagedFieldsEntry): Actor {
  const manager = e.manager ?? 'unknown';
  return { manager, operation: e.operation, time: e.time, kind: managerKind(manager) };
}

function later(a: ManagedFieldsEntry, b: ManagedFieldsEntry): boolean {
  return (a.time ?? '') > (b.time ?? '');
}

/** A field key's parsed form: `k:` keys as their entries, `v:` keys as the value's JSON text; null if malformed. */
type ParsedFieldKey = { entries: [string, string][] } | { value: string } | null;

/** Field keys repeat across objects and events (`k:{"name":"server"}`): parsed once each, up to a bound. */
const parsedKeys = new Map<string, ParsedFieldKey>();
const MAX_PARSED_KEYS = 10_000;

function parseFieldKey(fieldKey: string): ParsedFieldKey {
  let parsed = parsedKeys.get(fieldKey);
  if (parsed !== undefined) return parsed;
  try {
    if (fieldKey.startsWith('k:')) {
      const key = JSON.parse(fieldKey.slice(2)) as Record<string, unknown>;
      parsed = { entries: Object.entries(key).map(([k, v]): [string, string] => [k, JSON.stringify(v)]) };
    } else {
      parsed = { value: JSON.stringify(JSON.parse(fieldKey.slice(2))) };
    }
  } catch {
    parsed = null;
  }
  if (parsedKeys.size >= MAX_PARSED_KEYS) parsedKeys.clear();
  parsedKeys.set(fieldKey, parsed);
  return parsed;
}

/** Does `k:{"name":"server"}` (or `v:"x"`) designate this array item? */
function keyMatchesItem(fieldKey: string, item: unknown): boolean {
  if (!fieldKey.startsWith('k:') && !fieldKey.startsWith('v:')) return false;
  const parsed = parseFieldKey(fieldKey);
  if (parsed === null) return false;
  if ('value' in parsed) return parsed.value === JSON.stringify(item);
  if (!item || typeof item !== 'object') return false;
  const o = item as Record<string, unknown>;
  return parsed.entries.every(([k, v]) => JSON.stringify(o[k]) === v);
}

/**
 * How deep a manager's field set reaches along a changed path: the number of segments matched, or 0. A leaf `{}`
 * on the way owns everything below it (recorded field sets are sometimes abbreviated to `f:template: {}`).
 */
export function ownershipDepth(
  fields: Record<string, unknown> | undefined,
  segments: readonly PathSegment[],
): number {
  let node: Record<string, unknown> | undefined = fields;
  let depth = 0;
  for (const seg of segments) {
    if (!node) return 0;
    let next: unknown;
    if (typeof seg === 'string') {
      next = node[`f:${seg}`];
    } else {
      const key = Object.keys(node).find((k) => keyMatchesItem(k, seg.item)) ?? `i:${seg.index}`;
      next = node[key];
    }
    if (next === undefined || next === null || typeof next !== 'object') return 0;
    depth++;
    node = next as Record<string, unknown>;
    const keys = Object.keys(node).length;
    if (keys === 0 || (keys === 1 && '.' in node)) return depth;
  }
  return depth;
}

/**
 * The actor of an update: the managedFields entry that owns the changed fields, deepest match first, latest
 * time on ties; if no entry owns any changed field, the entry written last. Removed fields are owned by nobody
 * any more, so they are matched on their parent.
 */
export function attributeActor(object: Record<string, unknown>, changes: readonly FlatChange[]): Actor {
  const entries = entriesOf(object);
  if (entries.length === 0) return UNKNOWN_ACTOR;
  let best: ManagedFieldsEntry | undefined;
  let bestDepth = 0;
  for (const change of changes) {
    const segments = change.op === 'remove' ? change.segments.slice(0, -1) : change.segments;
    for (const entry of entries) {
      const depth = ownershipDepth(entry.fieldsV1, segments);
      if (depth === 0) continue;
      if (depth > bestDepth || (depth === bestDepth && best && later(entry, best))) {
        best = entry;
        bestDepth = depth;
      }
    }
  }
  return toActor(best ?? latestEntry(entries));
}

/** The actor of a creation: who wrote first (the creator's entry has the earliest time). */
export function creationActor(object: Record<string, unknown>): Actor {
  const entries = entriesOf(object);
  if (entries.length === 0) return UNKNOWN_ACTOR;
  return toActor(entries.reduce((a, b) => (later(a, b) ? b : a)));
}

function latestEntry(entries: ManagedFieldsEntry[]): ManagedFieldsEntry {
  return entries.reduce((a, b) => (later(b, a) ? b : a));
}
