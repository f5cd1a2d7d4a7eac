import { Gauge } from 'prom-client';
import { counter, gauge, histogram, metricsRegistry } from '#observability';

/** The watcher's Prometheus metrics, created once per process (get-or-create) and shared by all agents in it. */
export const watcherMetrics = {
  events: counter({
    name: 'ia_watcher_events_total',
    help: 'Object events read from the API server, by resource and type (ADDED, MODIFIED, DELETED, SYNC, BOOKMARK).',
    labelNames: ['resource', 'type'],
  }),
  duplicates: counter({
    name: 'ia_watcher_duplicate_events_total',
    help: 'Watch events skipped because the object was already known at that resourceVersion (re-sent after a resume).',
    labelNames: ['resource'],
  }),
  watchRestarts: counter({
    name: 'ia_watcher_watch_restarts_total',
    help: 'Watches started again, by reason (closed, error, timeout).',
    labelNames: ['resource', 'reason'],
  }),
  relists: counter({
    name: 'ia_watcher_relists_total',
    help: 'Full lists after the first one, by reason (gone: 410 Gone, error).',
    labelNames: ['resource', 'reason'],
  }),
  publishSeconds: histogram({
    name: 'ia_watcher_publish_seconds',
    help: 'Time to publish one batch of raw events until the log acknowledged it.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
  }),
  published: counter({
    name: 'ia_watcher_published_records_total',
    help: 'Records published to the raw-events topic (markers count once per partition).',
  }),
  rejected: counter({
    name: 'ia_watcher_rejected_objects_total',
    help: 'Objects not published and sent to the dead-letter topic instead, by reason (oversized, unserializable, no-identity).',
    labelNames: ['resource', 'reason'],
  }),
  bufferDepth: gauge({
    name: 'ia_watcher_buffer_depth',
    help: 'Items waiting between the watches and the publisher.',
  }),
  bufferFullPauses: counter({
    name: 'ia_watcher_backpressure_pauses_total',
    help: 'Times a watch or list stopped reading because the publish buffer was full.',
    labelNames: ['resource'],
  }),
  trackedObjects: gauge({
    name: 'ia_watcher_tracked_objects',
    help: 'Objects known per resource (identity and resourceVersion only).',
    labelNames: ['resource'],
  }),
  watchedResources: gauge({
    name: 'ia_watcher_watched_resources',
    help: 'Resources with a running reflector.',
  }),
};

/** Sources of "last event seen at" per resource, read when Prometheus scrapes. */
const lastEventSources = new Set<() => Iterable<[resource: string, lastEventMs: number]>>();

export function registerLastEventSource(source: () => Iterable<[string, number]>): () => void {
  lastEventSources.add(source);
  return () => lastEventSources.delete(source);
}

const LAST_EVENT_AGE = 'ia_watcher_last_event_age_seconds';
if (!metricsRegistry.getSingleMetric(LAST_EVENT_AGE)) {
  new Gauge({
    name: LAST_EVENT_AGE,
    help: 'Seconds since each watch last received anything (event or bookmark); a stuck watch grows without bound.',
    labelNames: ['resource'],
    registers: [metricsRegistry],
    collect() {
      this.reset();
      const now = Date.now();
      for (const source of lastEventSources) {
        for (const [resource, at] of source()) this.set({ resource }, (now - at) / 1000);
      }
    },
  });
}
