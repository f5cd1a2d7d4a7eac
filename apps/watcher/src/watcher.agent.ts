import { setMaxListeners } from 'node:events';
import type { KubeConfig } from '@kubernetes/client-node';
import type { WatchedResource } from '#contracts';
import { DEFAULT_MAX_MESSAGE_BYTES, sleep, type EventLog } from '#kafka';
import { KubeApiClient, type SecretRedactor } from '#kube';
import { componentLogger } from '#observability';
import { BoundedBuffer } from './buffer/bounded-buffer.js';
import type { WatchItem } from './buffer/watch-item.js';
import { ApiDiscovery, resourceId } from './discovery/api-discovery.js';
import {
  DEFAULT_EXCLUDED_GROUPS,
  ResourceFilter,
  type ResourceFilterOptions,
} from './discovery/resource-filter.js';
import { registerLastEventSource, watcherMetrics as m } from './metrics/watcher.metrics.js';
import { RawEventEncoder } from './publish/raw-event.encoder.js';
import { RawEventPump } from './publish/raw-event.pump.js';
import { Reflector, type ReflectorOptions } from './reflector/reflector.js';
import type { ReflectorSink } from './reflector/reflector-sink.js';

const log = componentLogger('watcher');

export interface WatcherAgentOptions {
  /** Cluster id stamped on every event (several clusters can share one log). */
  cluster: string;
  kubeConfig: KubeConfig;
  log: EventLog;
  redactor: SecretRedactor;
  filter?: Partial<ResourceFilterOptions>;
  /** How often discovery runs again, to pick up CRDs created (or removed) at run time. */
  rediscoveryMs?: number;
  pageSize?: number;
  /** Most events buffered between the watches and the publisher... */
  bufferCapacity?: number;
  /** ...and most bytes of serialized records: with objects of a few KiB, the bound that matters. */
  bufferBytes?: number;
  publishBatch?: number;
  /** KafkaConnection.maxMessageBytes; the in-process log has no limit but the same one keeps behaviour alike. */
  maxMessageBytes?: number;
  idleTimeoutMs?: number;
  watchTimeoutSeconds?: ReflectorOptions['watchTimeoutSeconds'];
  backoff?: ReflectorOptions['backoff'];
}

export interface WatcherReadiness {
  ready: boolean;
  detail: { discovered: boolean; resources: number; pending: string[] };
}

/**
 * The watcher without Nest: discovers the API resources, runs one Reflector per resource into a bounded buffer,
 * and a RawEventPump from that buffer into the raw-events topic. Rediscovers periodically: new resources (CRDs)
 * get a reflector, resources no longer served have theirs stopped.
 */
export class WatcherAgent {
  private readonly buffer: BoundedBuffer<WatchItem>;
  private readonly sink: ReflectorSink;
  private readonly pump: RawEventPump;
  private readonly discovery: ApiDiscovery;
  private readonly filter: ResourceFilter;
  private readonly api: KubeApiClient;
  private readonly reflectors = new Map<string, Reflector>();
  private readonly reflectorOptions: ReflectorOptions;
  private discovered = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private loop?: Promise<void>;
  private unregisterMetrics?: () => void;

  constructor(private readonly options: WatcherAgentOptions) {
    // Discovery fetches every API group at once under this signal (a real API server serves 20+ groups, one
    // abort listener per request): without this, Node prints MaxListenersExceededWarning at the 11th.
    setMaxListeners(0, this.abort.signal);
    this.api = new KubeApiClient(options.kubeConfig);
    this.filter = new ResourceFilter({
      includeGroups: [],
      excludeGroups: [...DEFAULT_EXCLUDED_GROUPS],
      includeKinds: [],
      excludeKinds: [],
      includeNamespaces: [],
      excludeNamespaces: [],
      ...options.filter,
    });
    this.discovery = new ApiDiscovery(this.api, this.filter);
    const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    this.buffer = new BoundedBuffer<WatchItem>({
      capacity: options.bufferCapacity ?? 10_000,
      maxBytes: options.bufferBytes ?? 16 * 2 ** 20,
      sizeOf: (item) => (item.kind === 'record' ? item.bytes : 512),
      onDepth: (depth) => m.bufferDepth.set(depth),
    });
    this.sink = new RawEventEncoder({
      cluster: options.cluster,
      redactor: options.redactor,
      maxMessageBytes,
    }).sinkInto(this.buffer);
    this.pump = new RawEventPump(options.log, this.buffer, {
      cluster: options.cluster,
      maxMessageBytes,
      batchSize: options.publishBatch ?? 1_000,
    });
    this.reflectorOptions = {
      pageSize: options.pageSize ?? 500,
      watchTimeoutSeconds: options.watchTimeoutSeconds ?? { min: 300, max: 600 },
      idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
      backoff: options.backoff ?? { initialMs: 100, maxMs: 30_000 },
    };
  }

  /** Starts publishing and the discovery loop; resolves after the first discovery attempt. */
  async start(): Promise<void> {
    this.unregisterMetrics = registerLastEventSource(() =>
      [...this.reflectors.values()].map((r) => [r.id, r.lastEventAt] as [string, number]),
    );
    this.pump.start();
    const first = this.rediscover().catch((err) => {
      log.error({ err: String(err) }, 'API discovery failed; retrying');
    });
    await first;
    this.loop = this.discoveryLoop();
  }

  /** Closes every watch, publishes what is buffered, and resolves. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.abort.abort();
    await this.loop;
    await Promise.all([...this.reflectors.values()].map((r) => r.stop()));
    this.reflectors.clear();
    m.watchedResources.set(0);
    await this.pump.stop();
    this.unregisterMetrics?.();
  }

  /** Ready when discovery ran and every watched resource finished its first list. */
  readiness(): WatcherReadiness {
    const pending = [...this.reflectors.values()].filter((r) => !r.synced).map((r) => r.id);
    return {
      ready: this.discovered && pending.length === 0,
      detail: { discovered: this.discovered, resources: this.reflectors.size, pending },
    };
  }

  /** Ids (`group/version/resource`) of the resources being watched. */
  watchedResources(): string[] {
    return [...this.reflectors.keys()].sort();
  }

  /** Objects currently tracked (identity + resourceVersion), over all resources. */
  trackedObjects(): number {
    let n = 0;
    for (const r of this.reflectors.values()) n += r.trackedObjects;
    return n;
  }

  /** Runs discovery now and reconciles the set of reflectors with it. */
  async rediscover(): Promise<void> {
    if (this.stopped) return;
    const { resources, failedGroups } = await this.discovery.discover(this.abort.signal);
    if (this.stopped) return;
    const wanted = new Map<string, WatchedResource>(resources.map((r) => [resourceId(r), r]));
    for (const [id, reflector] of this.reflectors) {
      const group = reflector.resource.group;
      if (!wanted.has(id) && !failedGroups.includes(group)) {
        this.reflectors.delete(id);
        log.info({ resource: id }, 'resource no longer served; stopping its watch');
        await reflector.stop();
      }
    }
    for (const [id, resource] of wanted) {
      if (this.reflectors.has(id)) continue;
      const reflector = new Reflector(resource, this.api, this.sink, this.filter, this.reflectorOptions);
      this.reflectors.set(id, reflector);
      log.info({ resource: id }, 'watching resource');
      reflector.start();
    }
    m.watchedResources.set(this.reflectors.size);
    this.discovered = true;
  }

  private async discoveryLoop(): Promise<void> {
    const every = this.options.rediscoveryMs ?? 60_000;
    while (!this.stopped) {
      // Until the first discovery succeeded, retry sooner: nothing is watched yet.
      await sleep(this.discovered ? every : Math.min(every, 2_000), this.abort.signal);
      if (this.stopped) return;
      await this.rediscover().catch((err) =>
        log.warn({ err: String(err) }, 'API rediscovery failed; keeping watches'),
      );
    }
  }
}
