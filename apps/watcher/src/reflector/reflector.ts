import type { IncomingMessage } from 'node:http';
import type { WatchedResource } from '#contracts';
import { backoffDelay, sleep } from '#kafka';
import { componentLogger } from '#observability';
import type { MarkerItem, ObservedItem } from '../buffer/watch-item.js';
import { resourceId } from '../discovery/api-discovery.js';
import type { ResourceFilter } from '../discovery/resource-filter.js';
import { KubeApiError, type KubeApiClient } from '../kube/kube-api.client.js';
import { watcherMetrics as m } from '../metrics/watcher.metrics.js';
import type { KubeObject } from '../publish/raw-event.factory.js';
import { indexKey, ObjectIndex } from './object-index.js';
import { apiVersionOf, collectionPath } from './resource-paths.js';
import { WatchLineSplitter } from './watch-line-splitter.js';

const log = componentLogger('watcher-reflector');

/** Where a reflector puts what it saw; `push` false means "full: stop reading until whenWritable()". */
export interface ReflectorSink<T = ObservedItem> {
  readonly full: boolean;
  push(item: T): boolean;
  whenWritable(): Promise<void>;
}

export interface ReflectorOptions {
  pageSize: number;
  /** Server-side watch timeout, picked at random in [min, max] per watch so that watches do not end together. */
  watchTimeoutSeconds: { min: number; max: number };
  /** A watch connection silent for this long is presumed dead and restarted from its resourceVersion. */
  idleTimeoutMs: number;
  backoff: { initialMs: number; maxMs: number };
}

interface KubeList {
  metadata?: { resourceVersion?: string; continue?: string };
  items?: KubeObject[];
}

interface WatchEnd {
  gone: boolean;
  healthy: boolean;
}

/** A watch event from the API server (one line of the stream). */
interface WatchEvent {
  type?: string;
  object?: KubeObject & { code?: number; reason?: string; message?: string };
}

/**
 * Keeps one resource in view, in the manner of client-go's reflector: a paginated list, then a watch from the
 * list's resourceVersion with bookmarks; a dropped watch resumes from the last resourceVersion seen (bookmarks
 * advance it); 410 Gone relists and reconciles. It never stops on its own: every end of a watch or failure is
 * followed by a restart after a jittered, exponential backoff (reset once a watch was healthy).
 *
 * Every list is published as a snapshot: SNAPSHOT_START, one SYNC per object, SNAPSHOT_END. On a relist (after
 * 410) the reflector also compares the list with its index and emits, inside that snapshot, ADDED for new
 * objects and MODIFIED for objects whose resourceVersion moved (each just before the object's SYNC), and DELETED
 * for objects that vanished (just before SNAPSHOT_END). Unchanged objects get only their SYNC. A consumer that
 * does not reconcile snapshots still sees every change; the differ, which does, finds the SYNC equal to what the
 * event just told it and stays silent. A snapshot cut short by an error gets no SNAPSHOT_END (an END would claim
 * that unlisted objects are gone); the next list opens a new snapshot.
 */
export class Reflector {
  readonly id: string;
  private readonly index = new ObjectIndex();
  private lastResourceVersion?: string;
  private listedOnce = false;
  private lastEventMs = Date.now();
  private readonly abort = new AbortController();
  private running?: Promise<void>;
  private snapshotSeq = 0;

  constructor(
    readonly resource: WatchedResource,
    private readonly api: KubeApiClient,
    private readonly sink: ReflectorSink,
    private readonly filter: ResourceFilter,
    private readonly options: ReflectorOptions,
  ) {
    this.id = resourceId(resource);
  }

  /** True once the first list is complete and its snapshot is in the buffer. */
  get synced(): boolean {
    return this.listedOnce;
  }

  get trackedObjects(): number {
    return this.index.size;
  }

  get lastEventAt(): number {
    return this.lastEventMs;
  }

  get resourceVersion(): string | undefined {
    return this.lastResourceVersion;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    m.trackedObjects.remove({ resource: this.id });
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    let needList = true;
    let failures = 0;
    while (!this.stopped) {
      let reason = 'closed';
      try {
        if (needList) {
          await this.list();
          needList = false;
        }
        const end = await this.watch();
        if (end.healthy) failures = 0;
        if (end.gone) {
          needList = true;
          reason = 'gone';
        }
      } catch (err) {
        if (this.stopped) break;
        if (err instanceof KubeApiError && err.gone) {
          needList = true;
          reason = 'gone';
        } else {
          failures++;
          reason = 'error';
          log.warn(
            { resource: this.id, failures, err: String(err) },
            'list or watch failed; retrying with backoff',
          );
        }
      }
      if (this.stopped) break;
      if (needList && this.listedOnce) m.relists.inc({ resource: this.id, reason });
      else m.watchRestarts.inc({ resource: this.id, reason });
      await sleep(backoffDelay(failures, this.options.backoff), this.abort.signal);
    }
  }

  /** One full, paginated list published as a snapshot; reconciles against the index when it is a relist. */
  private async list(): Promise<void> {
    const relist = this.listedOnce;
    const observedAt = new Date().toISOString();
    const snapshotId = `live:${this.id}@${observedAt}#${++this.snapshotSeq}`;
    const marker = (type: 'SNAPSHOT_START' | 'SNAPSHOT_END', objectCount?: number): MarkerItem => ({
      kind: 'marker',
      type,
      resource: this.resource,
      snapshotId,
      observedAt,
      objectCount,
    });
    const fresh = new ObjectIndex();
    let listResourceVersion: string | undefined;
    let cont: string | undefined;
    await this.put(marker('SNAPSHOT_START'));
    do {
      const page = await this.api.getJson<KubeList>(
        collectionPath(this.resource),
        { limit: this.options.pageSize, continue: cont },
        this.abort.signal,
      );
      listResourceVersion = page.metadata?.resourceVersion ?? listResourceVersion;
      cont = page.metadata?.continue || undefined;
      for (const raw of page.items ?? []) {
        const object = this.complete(raw);
        const md = object.metadata ?? {};
        if (!md.name || !this.filter.acceptsNamespace(md.namespace)) continue;
        const key = indexKey(md.namespace, md.name);
        const rv = String(md.resourceVersion ?? '');
        if (relist) {
          const known = this.index.resourceVersionOf(key);
          if (known !== rv) this.emit(known === undefined ? 'ADDED' : 'MODIFIED', object, observedAt);
        }
        this.emit('SYNC', object, observedAt, snapshotId);
        fresh.set(key, rv, String(md.uid ?? ''));
      }
      // Hold the next page back while the publisher catches up.
      if (this.sink.full) m.bufferFullPauses.inc({ resource: this.id });
      await this.sink.whenWritable();
    } while (cont && !this.stopped);
    if (this.stopped) return;
    if (relist) {
      for (const key of this.index.keys()) {
        if (!fresh.has(key)) this.emitVanished(key, observedAt);
      }
    }
    fresh.trim();
    this.index.replaceWith(fresh);
    this.lastResourceVersion = listResourceVersion;
    await this.put(marker('SNAPSHOT_END', fresh.size));
    m.trackedObjects.set({ resource: this.id }, this.index.size);
    this.lastEventMs = Date.now();
    this.listedOnce = true;
    log.info(
      { resource: this.id, objects: fresh.size, resourceVersion: listResourceVersion, relist },
      'listed',
    );
  }

  /** Watches from the last resourceVersion until the stream ends; resolves how it ended. */
  private async watch(): Promise<WatchEnd> {
    const { min, max } = this.options.watchTimeoutSeconds;
    const res = await this.api.stream(
      collectionPath(this.resource),
      {
        watch: 1,
        resourceVersion: this.lastResourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.round(min + Math.random() * (max - min)),
      },
      this.abort.signal,
      this.options.idleTimeoutMs,
    );
    const startedAt = Date.now();
    let events = 0;
    let gone = false;
    const splitter = new WatchLineSplitter();
    const handle = (line: string) => {
      const outcome = this.handleLine(line);
      if (outcome === 'gone') gone = true;
      else if (outcome === 'event') events++;
    };
    await new Promise<void>((resolve) => {
      let paused = false;
      const finish = () => {
        for (const line of splitter.end()) handle(line);
        resolve();
      };
      res.on('data', (chunk: Buffer) => {
        for (const line of splitter.push(chunk)) handle(line);
        if (gone) res.destroy();
        else if (!paused && this.sink.full)
          this.pause(
            res,
            () => (paused = false),
            () => (paused = true),
          );
      });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', (err) => {
        if (!this.stopped)
          log.info({ resource: this.id, err: String(err) }, 'watch connection ended with an error');
        finish();
      });
    });
    // A watch that delivered something or lived a while was healthy: the next restart needs no long backoff.
    return { gone, healthy: events > 0 || Date.now() - startedAt > 5_000 };
  }

  /** Stops reading the socket (the server's writes then block: TCP backpressure) until the buffer has room. */
  private pause(res: IncomingMessage, onResume: () => void, onPause: () => void): void {
    onPause();
    res.pause();
    m.bufferFullPauses.inc({ resource: this.id });
    void this.sink.whenWritable().then(() => {
      onResume();
      if (!res.destroyed) res.resume();
    });
  }

  private handleLine(line: string): 'event' | 'gone' | 'skip' {
    let event: WatchEvent;
    try {
      event = JSON.parse(line) as WatchEvent;
    } catch {
      // Never log the line: it may hold a Secret.
      m.rejected.inc({ resource: this.id, reason: 'unparseable-watch-line' });
      log.warn({ resource: this.id, bytes: line.length }, 'skipping a watch line that is not JSON');
      return 'skip';
    }
    this.lastEventMs = Date.now();
    const type = event.type ?? '';
    const object = event.object;
    m.events.inc({ resource: this.id, type });
    if (type === 'ERROR') {
      const gone = object?.code === 410 || object?.reason === 'Expired' || object?.reason === 'Gone';
      log[gone ? 'info' : 'warn'](
        { resource: this.id, code: object?.code, reason: object?.reason },
        'watch error event',
      );
      return gone ? 'gone' : 'skip';
    }
    const rv = object?.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.lastResourceVersion = String(rv);
      return 'skip';
    }
    if (!object || (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED')) {
      log.warn({ resource: this.id, type }, 'skipping a watch event of unknown type');
      return 'skip';
    }
    if (rv) this.lastResourceVersion = String(rv);
    const completed = this.complete(object);
    const md = completed.metadata ?? {};
    if (!md.name) {
      this.emit(type, completed, new Date().toISOString()); // the publisher dead-letters it (no identity)
      return 'event';
    }
    if (!this.filter.acceptsNamespace(md.namespace)) return 'skip';
    const key = indexKey(md.namespace, md.name);
    const known = this.index.resourceVersionOf(key);
    // A re-sent event (client-node #1598, or a server replaying from an older rv) must not reach the log twice.
    if (type === 'DELETED' ? known === undefined : known === String(rv ?? '')) {
      m.duplicates.inc({ resource: this.id });
      return 'skip';
    }
    if (type === 'DELETED') this.index.delete(key);
    else this.index.set(key, String(rv ?? ''), String(md.uid ?? ''));
    m.trackedObjects.set({ resource: this.id }, this.index.size);
    this.emit(type, completed, new Date().toISOString());
    return 'event';
  }

  /** A DELETED for an object that vanished while the watch was gone: only its identity is known. */
  private emitVanished(key: string, observedAt: string): void {
    const known = this.index.get(key);
    if (!known) return;
    const metadata: NonNullable<KubeObject['metadata']> = {
      name: known.name,
      uid: known.uid || undefined,
      resourceVersion: known.resourceVersion,
    };
    if (known.namespace) metadata.namespace = known.namespace;
    this.emit(
      'DELETED',
      { apiVersion: apiVersionOf(this.resource), kind: this.resource.kind, metadata },
      observedAt,
    );
  }

  private emit(
    type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'SYNC',
    object: KubeObject,
    observedAt: string,
    snapshotId?: string,
  ) {
    if (type === 'SYNC') m.events.inc({ resource: this.id, type });
    this.sink.push({ kind: 'object', type, resource: this.resource, object, observedAt, snapshotId });
  }

  private async put(item: MarkerItem): Promise<void> {
    if (!this.sink.push(item)) await this.sink.whenWritable();
  }

  /** List items carry no apiVersion/kind; watch objects do. Put them first, as kubectl prints them. */
  private complete(object: KubeObject): KubeObject {
    if (object.apiVersion && object.kind) return object;
    return { apiVersion: apiVersionOf(this.resource), kind: this.resource.kind, ...object };
  }
}
