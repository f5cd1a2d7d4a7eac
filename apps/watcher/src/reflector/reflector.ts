import type { WatchedResource } from '#contracts';
import { backoffDelay, sleep } from '#kafka';
import { KubeApiError, type KubeApiClient } from '#kube';
import { componentLogger } from '#observability';
import { resourceId } from '../discovery/api-discovery.js';
import type { ResourceFilter } from '../discovery/resource-filter.js';
import { watcherMetrics as m } from '../metrics/watcher.metrics.js';
import type { ReflectorSink } from './reflector-sink.js';
import { ReflectorState } from './reflector-state.js';
import { SnapshotLister } from './snapshot-lister.js';
import { WatchStream, type WatchStreamOptions } from './watch-stream.js';

const log = componentLogger('watcher-reflector');

export interface ReflectorOptions extends WatchStreamOptions {
  pageSize: number;
  backoff: { initialMs: number; maxMs: number };
}

/**
 * Keeps one resource in view, in the manner of client-go's reflector: a paginated list, then a watch from the
 * list's resourceVersion with bookmarks; a dropped watch resumes from the last resourceVersion seen (bookmarks
 * advance it); 410 Gone relists and reconciles. It never stops on its own: every end of a watch or failure is
 * followed by a restart after a jittered, exponential backoff (reset once a watch was healthy).
 *
 * The list and its snapshot are SnapshotLister's, the watch is WatchStream's (each event through a
 * WatchEventHandler); they share a ReflectorState. This class owns the lifecycle and the restart policy.
 */
export class Reflector {
  readonly id: string;
  private readonly state: ReflectorState;
  private readonly lister: SnapshotLister;
  private readonly watchStream: WatchStream;
  private readonly abort = new AbortController();
  private running?: Promise<void>;

  constructor(
    readonly resource: WatchedResource,
    api: KubeApiClient,
    sink: ReflectorSink,
    filter: ResourceFilter,
    private readonly options: ReflectorOptions,
  ) {
    this.id = resourceId(resource);
    this.state = new ReflectorState(this.id, resource, sink);
    this.lister = new SnapshotLister(this.state, api, filter, options.pageSize, this.abort.signal);
    this.watchStream = new WatchStream(this.state, api, filter, options, this.abort.signal);
  }

  /** True once the first list is complete and its snapshot is in the buffer. */
  get synced(): boolean {
    return this.lister.listed;
  }

  get trackedObjects(): number {
    return this.state.index.size;
  }

  get lastEventAt(): number {
    return this.state.lastEventMs;
  }

  get resourceVersion(): string | undefined {
    return this.state.resourceVersion;
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
          await this.lister.list();
          needList = false;
        }
        const end = await this.watchStream.watch();
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
      if (needList && this.lister.listed) m.relists.inc({ resource: this.id, reason });
      else m.watchRestarts.inc({ resource: this.id, reason });
      await sleep(backoffDelay(failures, this.options.backoff), this.abort.signal);
    }
  }
}
