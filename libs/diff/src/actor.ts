import type { Actor, WriterStamp } from '#contracts';
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
 * What the differ remembers of an object's managedFields between two versions: per (non-status) entry its
 * manager, operation, subresource, time and the size of its field set. Comparing them before and after an update
 * tells who wrote it: one request updates exactly one entry (the writer's: new, its time moved, or its fields
 * grew), while the entries that lose fields to it only shrink.
 */
export function writerStamps(object: Record<string, unknown>): WriterStamp[] {
  return entriesOf(object).map((e) => ({
    manager: e.manager!,
    ...(e.operation ? { operation: e.operation } : {}),
    ...(e.subresource ? { subresource: e.subresource } : {}),
    ...(e.time ? { time: e.time } : {}),
    fields: fieldCount(e.fieldsV1),
  }));
}

/** The number of nodes of a field set: cheaper than a digest, and a write that moves fields changes it. */
function fieldCount(fields: unknown): number {
  if (!fields || typeof fields !== 'object') return 0;
  let n = 0;
  for (const key in fields as Record<string, unknown>)
    n += 1 + fieldCount((fields as Record<string, unknown>)[key]);
  return n;
}

const stampKey = (e: { manager?: string; operation?: string; subresource?: string }) =>
  `${e.manager}\u0000${e.operation ?? ''}\u0000${e.subresource ?? ''}`;

/**
 * How each entry moved between the managedFields before (`previous`) and after an update. One request updates
 * one entry, the writer's: it is new or its time moved (`written`), or, written again within the same second,
 * it names more fields than before (`grew`). Entries that lost fields to the writer only shrink. The scale
 * subresource's entry has no time: a first scale shows as new, a repeated one as nothing at all.
 */
function movedEntries(entries: ManagedFieldsEntry[], previous: readonly WriterStamp[]) {
  const before = new Map(previous.map((p) => [stampKey(p), p]));
  const written: ManagedFieldsEntry[] = [];
  const grew: ManagedFieldsEntry[] = [];
  const shrank = new Set<ManagedFieldsEntry>();
  for (const e of entries) {
    const p = before.get(stampKey(e));
    if (!p || (p.time ?? '') !== (e.time ?? '')) {
      written.push(e);
      continue;
    }
    const fields = fieldCount(e.fieldsV1);
    if (fields > p.fields) grew.push(e);
    else if (fields < p.fields) shrank.add(e);
  }
  return { written, grew, shrank };
}

/**
 * The actor of an update. With the managedFields of the version before (`previous`, see writerStamps): the entry
 * this update wrote (new, a new time, or grown) that owns the changed fields. When no moved entry owns them, the
 * writer set fields it already owned (a repeated scale, the same manager again within a second) or co-owned:
 * the owner of the changed fields among the entries that lost nothing to this update. A moved entry that owns
 * nothing changed can be an earlier write the differ did not keep (one that changed only ignored fields, like
 * kubectl's last-applied annotation): it is the answer only when nobody owns the changed fields, and with no
 * moved entry either the writer left no trace (a removal; a scale to zero, for which the scale subresource
 * records no field) and is unknown. Without `previous` (a state from before they were kept): the entry owning
 * the changed fields, deepest match first, latest time on ties, else the entry written last. Removed fields are
 * owned by nobody any more, so they are matched on their parent.
 */
export function attributeActor(
  object: Record<string, unknown>,
  changes: readonly FlatChange[],
  previous?: readonly WriterStamp[],
): Actor {
  const entries = entriesOf(object);
  if (entries.length === 0) return UNKNOWN_ACTOR;
  if (previous) {
    const { written, grew, shrank } = movedEntries(entries, previous);
    const writers = written.length > 0 ? written : grew;
    const owning = owner(writers, changes);
    if (owning) return toActor(owning);
    // No moved entry owns what changed: the writer set fields it already (co-)owned, so an owner that did not
    // lose fields to this update is it; a moved entry that owns nothing changed is an earlier write the differ
    // did not keep (kubectl's last-applied annotation) or one whose managedFields say nothing of it.
    const kept = owner(
      entries.filter((e) => !shrank.has(e)),
      changes,
    );
    if (kept) return toActor(kept);
    // Nobody owns what changed: a removal, or a scale to zero (the scale subresource records no field for 0).
    return writers.length > 0 ? toActor(latestEntry(writers)) : UNKNOWN_ACTOR;
  }
  return toActor(owner(entries, changes) ?? latestEntry(entries));
}

/** The entry owning the changed fields, deepest match first, latest time on ties; undefined if none owns any. */
function owner(
  entries: ManagedFieldsEntry[],
  changes: readonly FlatChange[],
): ManagedFieldsEntry | undefined {
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
  return best;
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

/**
 * The actor of a deletion, as far as the object tells: the API records who wrote an object, never who deleted
 * it (only audit logs do). An object with an owner is garbage-collected with it, or deleted by its owner's
 * controller; otherwise the person or tool that last wrote it (kubectl, helm, argocd, ...) is the likely deleter:
 * a tool prunes what it manages, a person deletes what they applied. That is an inference, so the actor keeps
 * no time and says `Delete` as its operation; with no such writer it is unknown.
 */
export function deletionActor(object: Record<string, unknown>): Actor {
  const md = object.metadata as { ownerReferences?: unknown } | undefined;
  if (Array.isArray(md?.ownerReferences) && md.ownerReferences.length > 0)
    return { manager: 'garbage-collector', kind: 'controller' };
  const writers = entriesOf(object).filter((e) => {
    const kind = managerKind(e.manager!);
    return kind === 'human' || kind === 'cd';
  });
  if (writers.length === 0) return UNKNOWN_ACTOR;
  const last = latestEntry(writers);
  return { manager: last.manager!, operation: 'Delete', kind: managerKind(last.manager!) };
}
