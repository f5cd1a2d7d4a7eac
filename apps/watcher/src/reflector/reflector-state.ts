import type { KubeObject, WatchedResource } from '#contracts';
import type { MarkerItem } from '../buffer/watch-item.js';
import { watcherMetrics as m } from '../metrics/watcher.metrics.js';
import { ObjectIndex } from './object-index.js';
import type { ReflectorSink } from './reflector-sink.js';
import { apiVersionOf } from './resource-paths.js';

/**
 * What a reflector's list and watch share: what it knows of one resource (the index of objects, the
 * resourceVersion to resume from, when it last heard from the server) and the one way both publish to the sink.
 */
export class ReflectorState {
  readonly index = new ObjectIndex();
  /** Set by each list, then moved on by every watch event and bookmark: where the next watch resumes. */
  resourceVersion?: string;
  lastEventMs = Date.now();

  constructor(
    readonly id: string,
    readonly resource: WatchedResource,
    readonly sink: ReflectorSink,
  ) {}

  emit(
    type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC',
    object: KubeObject,
    observedAt: string,
    snapshotId?: string,
  ) {
    if (type === 'SYNC') m.events.inc({ resource: this.id, type });
    this.sink.push({ kind: 'object', type, resource: this.resource, object, observedAt, snapshotId });
  }

  async put(item: MarkerItem): Promise<void> {
    if (!this.sink.push(item)) await this.sink.whenWritable();
  }

  /** List items carry no apiVersion/kind; watch objects do. Put them first, as kubectl prints them. */
  complete(object: KubeObject): KubeObject {
    if (object.apiVersion && object.kind) return object;
    return { apiVersion: apiVersionOf(this.resource), kind: this.resource.kind, ...object };
  }
}
