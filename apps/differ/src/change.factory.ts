import { displayRef, riskPrior, stableId, type ChangeEvent, type ObjectRef } from '#contracts';
import {
  attributeActor,
  classifyLifecycle,
  classifyUpdate,
  creationActor,
  deletionActor,
  provenanceOf,
  summarizeUpdate,
  type ObjectDiff,
} from '#diff';
import type { Actor, WriterStamp } from '#contracts';

/** Builds ChangeEvents; the id is deterministic so that a re-processed batch produces the same events. */
export class ChangeFactory {
  update(args: {
    ref: ObjectRef;
    resourceVersion: string;
    observedAt: string;
    raw: Record<string, unknown>;
    diff: ObjectDiff;
    whileAway: boolean;
    /** The managedFields of the version diffed against (absent in states written before they were kept). */
    previousWriters?: readonly WriterStamp[];
  }): ChangeEvent {
    const { ref, diff } = args;
    const classes = classifyUpdate(ref.kind, diff.changes);
    return this.event({
      ...args,
      operation: 'update',
      classes,
      delta: diff.delta,
      paths: diff.changes.map(({ path, op, old, new: next }) => ({
        path,
        op,
        ...(op !== 'add' ? { old } : {}),
        ...(op !== 'remove' ? { new: next } : {}),
      })),
      summary: summarizeUpdate(displayRef(ref), diff.changes),
      actor: attributeActor(args.raw, diff.changes, args.previousWriters),
    });
  }

  create(args: {
    ref: ObjectRef;
    resourceVersion: string;
    observedAt: string;
    raw: Record<string, unknown>;
    whileAway: boolean;
  }): ChangeEvent {
    const actor = creationActor(args.raw);
    return this.event({
      ...args,
      operation: 'create',
      classes: classifyLifecycle(args.ref.kind, 'create', args.raw),
      paths: [],
      summary: `${displayRef(args.ref)} created${args.whileAway ? ' while away' : ''} (by ${actor.manager})`,
      actor,
    });
  }

  /** `idSuffix` tells a deletion found by a snapshot from the change that wrote the same resourceVersion. */
  delete(args: {
    ref: ObjectRef;
    resourceVersion: string;
    observedAt: string;
    raw: Record<string, unknown>;
    whileAway: boolean;
    idSuffix?: string;
  }): ChangeEvent {
    const actor: Actor = deletionActor(args.raw);
    return this.event({
      ...args,
      operation: 'delete',
      classes: classifyLifecycle(args.ref.kind, 'delete', args.raw),
      paths: [],
      summary: `${displayRef(args.ref)} deleted${args.whileAway ? ' while away' : ''}${deletedBy(actor)}`,
      actor,
    });
  }

  private event(a: {
    ref: ObjectRef;
    resourceVersion: string;
    observedAt: string;
    raw: Record<string, unknown>;
    whileAway: boolean;
    idSuffix?: string;
    operation: ChangeEvent['operation'];
    classes: ChangeEvent['classes'];
    delta?: unknown;
    paths: ChangeEvent['paths'];
    summary: string;
    actor: Actor;
  }): ChangeEvent {
    const uid = a.ref.uid ?? a.ref.name;
    const provenance = provenanceOf(a.raw);
    return {
      schemaVersion: 1,
      changeId: a.idSuffix
        ? stableId(a.ref.cluster, uid, a.resourceVersion, a.idSuffix)
        : stableId(a.ref.cluster, uid, a.resourceVersion),
      ref: a.ref,
      resourceVersion: a.resourceVersion,
      changedAt: a.observedAt,
      operation: a.operation,
      classes: a.classes,
      risk: riskPrior(a.classes),
      ...(a.delta !== undefined ? { delta: a.delta } : {}),
      paths: a.paths,
      summary: a.summary,
      actor: a.actor,
      ...(provenance ? { provenance } : {}),
      ...(a.whileAway ? { whileAway: true } : {}),
    };
  }
}

/** The deleter is an inference (see deletionActor): the summary says so. */
function deletedBy(actor: Actor): string {
  if (actor.kind === 'unknown') return '';
  if (actor.manager === 'garbage-collector') return ' (by the garbage collector: it has an owner)';
  return ` (probably by ${actor.manager}, its last writer)`;
}
