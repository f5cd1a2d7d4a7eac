import type { KubeObject } from '#contracts';
import type { KubeApiClient } from '#kube';
import { componentLogger } from '#observability';
import type { MarkerItem } from '../buffer/watch-item.js';
import type { ResourceFilter } from '../discovery/resource-filter.js';
import { watcherMetrics as m } from '../metrics/watcher.metrics.js';
import { indexKey, ObjectIndex } from './object-index.js';
import type { ReflectorState } from './reflector-state.js';
import { apiVersionOf, collectionPath } from './resource-paths.js';

const log = componentLogger('watcher-reflector');

interface KubeList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

/**
 * The list half of a reflector: a full, paginated list of the resource, published as a snapshot.
 *
 * Every list is published as a snapshot: SNAPSHOT_START, one SYNC per object, SNAPSHOT_END. On a relist (after
 * 410) the lister also compares the list with the index and emits, inside that snapshot, ADDED for new
 * objects and MODIFIED for objects whose resourceVersion moved (each just before the object's SYNC), and DELETED
 * for objects that vanished (just before SNAPSHOT_END). Unchanged objects get only their SYNC. A consumer that
 * does not reconcile snapshots still sees every change; the differ, which does, finds the SYNC equal to what the
 * event just told it and stays silent. A snapshot cut short by an error gets no SNAPSHOT_END (an END would claim
 * that unlisted objects are gone); the next list opens a new snapshot.
 */
export class SnapshotLister {
  private listedOnce = false;
  private snapshotSeq = 0;

  constructor(
    private readonly state: ReflectorState,
    private readonly api: KubeApiClient,
    private readonly filter: ResourceFilter,
    private readonly pageSize: number,
    private readonly signal: AbortSignal,
  ) {}

  /** True once a list is complete and its snapshot is in the buffer; every later list is a relist. */
  get listed(): boolean {
    return this.listedOnce;
  }

  private get stopped(): boolean {
    return this.signal.aborted;
  }

  /** One full, paginated list published as a snapshot; reconciles against the index when it is a relist. */
  async list(): Promise<void> {
    const { id, resource, index, sink } = this.state;
    const relist = this.listedOnce;
    const observedAt = new Date().toISOString();
    const snapshotId = `live:${id}@${observedAt}#${++this.snapshotSeq}`;
    const marker = (type: 'SNAPSHOT_START' | 'SNAPSHOT_END', objectCount?: number): MarkerItem => ({
      kind: 'marker',
      type,
      resource,
      snapshotId,
      observedAt,
      objectCount,
    });
    const fresh = new ObjectIndex();
    let listResourceVersion: string | undefined;
    let cont: string | undefined;
    await this.state.put(marker('SNAPSHOT_START'));
    do {
      const page = await this.api.getJson<KubeList>(
        collectionPath(resource),
        { limit: this.pageSize, continue: cont },
        this.signal,
      );
      listResourceVersion = page.metadata?.resourceVersion ?? listResourceVersion;
      cont = page.metadata?.continue || undefined;
      for (const raw of page.items ?? []) {
        const object = this.state.complete(raw);
        const md = object.metadata ?? {};
        if (!md.name || !this.filter.acceptsNamespace(md.namespace)) continue;
        const key = indexKey(md.namespace, md.name);
        const rv = String(md.resourceVersion ?? '');
        if (relist) {
          const known = index.resourceVersionOf(key);
          if (known !== rv) this.state.emit(known === undefined ? 'ADDED' : 'MODIFIED', object, observedAt);
        }
        this.state.emit('SYNC', object, observedAt, snapshotId);
        fresh.set(key, rv, String(md.uid ?? ''));
      }
      // Hold the next page back while the publisher catches up.
      if (sink.full) m.bufferFullPauses.inc({ resource: id });
      await sink.whenWritable();
    } while (cont && !this.stopped);
    if (this.stopped) return;
    if (relist) {
      for (const key of index.keys()) {
        if (!fresh.has(key)) this.emitVanished(key, observedAt);
      }
    }
    fresh.trim();
    index.replaceWith(fresh);
    this.state.resourceVersion = listResourceVersion;
    await this.state.put(marker('SNAPSHOT_END', fresh.size));
    m.trackedObjects.set({ resource: id }, index.size);
    this.state.lastEventMs = Date.now();
    this.listedOnce = true;
    log.info({ resource: id, objects: fresh.size, resourceVersion: listResourceVersion, relist }, 'listed');
  }

  /** A DELETED for an object that vanished while the watch was gone: only its identity is known. */
  private emitVanished(key: string, observedAt: string): void {
    const { resource } = this.state;
    const known = this.state.index.get(key);
    if (!known) return;
    const metadata: NonNullable<KubeObject['metadata']> = {
      name: known.name,
      uid: known.uid || undefined,
      resourceVersion: known.resourceVersion,
    };
    if (known.namespace) metadata.namespace = known.namespace;
    this.state.emit(
      'DELETED',
      { apiVersion: apiVersionOf(resource), kind: resource.kind, metadata },
      observedAt,
    );
  }
}
