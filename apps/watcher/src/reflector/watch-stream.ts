import type { IncomingMessage } from 'node:http';
import type { KubeApiClient } from '#kube';
import { componentLogger } from '#observability';
import type { ResourceFilter } from '../discovery/resource-filter.js';
import { watcherMetrics as m } from '../metrics/watcher.metrics.js';
import type { ReflectorState } from './reflector-state.js';
import { collectionPath } from './resource-paths.js';
import { WatchEventHandler } from './watch-event-handler.js';
import { WatchLineSplitter } from './watch-line-splitter.js';

const log = componentLogger('watcher-reflector');

export interface WatchStreamOptions {
  /** Server-side watch timeout, picked at random in [min, max] per watch so that watches do not end together. */
  watchTimeoutSeconds: { min: number; max: number };
  /** A watch connection silent for this long is presumed dead and restarted from its resourceVersion. */
  idleTimeoutMs: number;
}

/** How a watch ended: `gone` asks for a relist; `healthy` means the next restart needs no long backoff. */
export interface WatchEnd {
  gone: boolean;
  healthy: boolean;
}

/**
 * The watch half of a reflector: one watch connection at a time, from the last resourceVersion seen, with
 * bookmarks, read line by line into a WatchEventHandler. Reading stops while the sink is full.
 */
export class WatchStream {
  private readonly events: WatchEventHandler;

  constructor(
    private readonly state: ReflectorState,
    private readonly api: KubeApiClient,
    filter: ResourceFilter,
    private readonly options: WatchStreamOptions,
    private readonly signal: AbortSignal,
  ) {
    this.events = new WatchEventHandler(state, filter);
  }

  /** Watches from the last resourceVersion until the stream ends; resolves how it ended. */
  async watch(): Promise<WatchEnd> {
    const { min, max } = this.options.watchTimeoutSeconds;
    const res = await this.api.stream(
      collectionPath(this.state.resource),
      {
        watch: 1,
        resourceVersion: this.state.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.round(min + Math.random() * (max - min)),
      },
      this.signal,
      this.options.idleTimeoutMs,
    );
    const startedAt = Date.now();
    let events = 0;
    let gone = false;
    const splitter = new WatchLineSplitter();
    const handle = (line: string) => {
      const outcome = this.events.handleLine(line);
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
        else if (!paused && this.state.sink.full)
          this.pause(
            res,
            () => (paused = false),
            () => (paused = true),
          );
      });
      res.on('end', finish);
      res.on('close', finish);
      res.on('error', (err) => {
        if (!this.signal.aborted)
          log.info({ resource: this.state.id, err: String(err) }, 'watch connection ended with an error');
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
    m.bufferFullPauses.inc({ resource: this.state.id });
    void this.state.sink.whenWritable().then(() => {
      onResume();
      if (!res.destroyed) res.resume();
    });
  }
}
