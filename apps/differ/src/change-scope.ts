import { controllerOwner } from '#diff';
import type { ResolvedDifferOptions } from './differ.options.js';

/** Which objects' edits are reported as ChangeEvents; the others only update state and yield anomaly signals. */
export class ChangeScope {
  constructor(private readonly options: Pick<ResolvedDifferOptions, 'controllerOwnedKinds'>) {}

  /**
   * Events are signals, not changes; a controller-owned Pod or ReplicaSet is its owner's template, whose change is
   * already reported.
   */
  reportsChanges(kind: string, object: Record<string, unknown>): boolean {
    if (kind === 'Event') return false;
    return !(this.options.controllerOwnedKinds.has(kind) && controllerOwner(object));
  }
}

/** Keeps an Event's identity and what it is about; its counters live in the status digest. */
export function eventEssentials(o: Record<string, unknown>): Record<string, unknown> {
  const md = (o.metadata ?? {}) as Record<string, unknown>;
  return {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: md.name, namespace: md.namespace, uid: md.uid },
    involvedObject: o.involvedObject ?? o.regarding,
    reason: o.reason,
    type: o.type,
  };
}
