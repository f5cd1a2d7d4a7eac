import type { KubeObject } from '#contracts';
import { componentLogger } from '#observability';
import type { ResourceFilter } from '../discovery/resource-filter.js';
import { watcherMetrics as m } from '../metrics/watcher.metrics.js';
import { indexKey } from './object-index.js';
import type { ReflectorState } from './reflector-state.js';

const log = componentLogger('watcher-reflector');

/** A watch event from the API server (one line of the stream). */
interface WatchEvent {
  type?: string;
  object?: KubeObject & { code?: number; reason?: string; message?: string };
}

/** What one line did: published an object event, reported 410 Gone (relist), or nothing to publish. */
export type WatchLineOutcome = 'event' | 'gone' | 'skip';

/**
 * Applies the lines of a watch stream, one at a time: follows the resourceVersion (events and bookmarks),
 * recognises an expired resourceVersion, keeps the index up to date and publishes each change once.
 */
export class WatchEventHandler {
  constructor(
    private readonly state: ReflectorState,
    private readonly filter: ResourceFilter,
  ) {}

  handleLine(line: string): WatchLineOutcome {
    const { id, index } = this.state;
    let event: WatchEvent;
    try {
      event = JSON.parse(line) as WatchEvent;
    } catch {
      // Never log the line: it may hold a Secret.
      m.rejected.inc({ resource: id, reason: 'unparseable-watch-line' });
      log.warn({ resource: id, bytes: line.length }, 'skipping a watch line that is not JSON');
      return 'skip';
    }
    this.state.lastEventMs = Date.now();
    const type = event.type ?? '';
    const object = event.object;
    m.events.inc({ resource: id, type });
    if (type === 'ERROR') {
      const gone = object?.code === 410 || object?.reason === 'Expired' || object?.reason === 'Gone';
      log[gone ? 'info' : 'warn'](
        { resource: id, code: object?.code, reason: object?.reason },
        'watch error event',
      );
      return gone ? 'gone' : 'skip';
    }
    const rv = object?.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.state.resourceVersion = String(rv);
      return 'skip';
    }
    if (!object || (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED')) {
      log.warn({ resource: id, type }, 'skipping a watch event of unknown type');
      return 'skip';
    }
    if (rv) this.state.resourceVersion = String(rv);
    const completed = this.state.complete(object);
    const md = completed.metadata ?? {};
    if (!md.name) {
      this.state.emit(type, completed, new Date().toISOString()); // the publisher dead-letters it (no identity)
      return 'event';
    }
    if (!this.filter.acceptsNamespace(md.namespace)) return 'skip';
    const key = indexKey(md.namespace, md.name);
    const known = index.resourceVersionOf(key);
    // A re-sent event (client-node #1598, or a server replaying from an older rv) must not reach the log twice.
    if (type === 'DELETED' ? known === undefined : known === String(rv ?? '')) {
      m.duplicates.inc({ resource: id });
      return 'skip';
    }
    if (type === 'DELETED') index.delete(key);
    else index.set(key, String(rv ?? ''), String(md.uid ?? ''));
    m.trackedObjects.set({ resource: id }, index.size);
    this.state.emit(type, completed, new Date().toISOString());
    return 'event';
  }
}
