import {
  Inject,
  Injectable,
  Optional,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ObservedEngine } from '#correlation';
import { EVENT_LOG, type EventLog } from '#kafka';
import type { MetricsSource } from '#metrics';
import { componentLogger, gauge, ReadinessRegistry } from '#observability';
import { CORRELATOR_CONFIG, type CorrelatorConfig } from './config/correlator.config.js';
import { ChangeFeed } from './feed/change-feed.js';
import { HubForwarder } from './forwarder/hub-forwarder.js';
import { GrpcApiServer } from './grpc/grpc-api.server.js';
import { incidentAssistantHandlers } from './grpc/incident-assistant.handlers.js';
import { IncidentTracker } from './incidents/incident-tracker.js';
import { METRICS_SOURCE } from './metrics-source.token.js';

const log = componentLogger('correlator');
const graphSize = gauge({
  name: 'ia_correlator_graph_resources',
  help: 'Resources in the dependency graph.',
});

/** Whatever keeps the engine fed from the log: the CorrelatorProcessor. */
export interface EngineFeeder {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once what the topics held at start has been applied; without it, start() is taken to mean so. */
  caughtUp?(): Promise<void>;
}

export const ENGINE_FEEDER = Symbol('ENGINE_FEEDER');

/**
 * Starts and stops the correlator's moving parts in order. Start: gRPC server (health NOT_SERVING), the feeder
 * rebuilding the engine from the log, then ready (health SERVING, /readyz up), then the hub forwarder. Stop:
 * streams end, the gRPC server drains, the feeder and forwarder leave their consumer groups.
 */
@Injectable()
export class CorrelatorRuntime implements OnApplicationBootstrap, OnModuleDestroy {
  readonly server: GrpcApiServer;
  private forwarder?: HubForwarder;
  private ready = false;
  private readonly readyPromise: Promise<void>;
  private markReady!: () => void;
  private statsTimer?: NodeJS.Timeout;

  constructor(
    @Inject(CORRELATOR_CONFIG) private readonly config: CorrelatorConfig,
    @Inject(EVENT_LOG) private readonly eventLog: EventLog,
    private readonly engine: ObservedEngine,
    private readonly feed: ChangeFeed,
    private readonly incidents: IncidentTracker,
    @Inject(ENGINE_FEEDER) private readonly feeder: EngineFeeder,
    @Inject(METRICS_SOURCE) private readonly metrics: MetricsSource | null,
    @Optional() readiness?: ReadinessRegistry,
  ) {
    this.readyPromise = new Promise((r) => (this.markReady = r));
    engine.listen({
      onObject: () => incidents.onGraphChanged(),
      onChange: (c) => {
        feed.publish(c);
        incidents.onChange(c);
      },
      onAnomaly: (a) => incidents.onAnomaly(a),
    });
    // Ranking a half-rebuilt graph would be wasted work with wrong answers; incidents rank once caught up.
    incidents.pause();
    this.server = new GrpcApiServer(
      config.grpc,
      incidentAssistantHandlers({
        engine,
        incidents,
        feed,
        log: eventLog,
        cluster: config.cluster,
        maxQueuedPerStream: config.watch.maxQueuedPerStream,
        metrics: metrics ?? undefined,
      }),
    );
    readiness?.register('correlator', () => ({
      ready: this.ready,
      detail: this.ready ? engine.stats() : 'rebuilding the graph from the log',
    }));
  }

  /** Resolves when the engine holds everything the log held at start. */
  whenReady(): Promise<void> {
    return this.readyPromise;
  }

  get grpcPort(): number {
    return this.server.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.server.start();
    const started = Date.now();
    await this.feeder.start();
    // Not awaited: the HTTP server (health, metrics) comes up while the graph is rebuilt.
    void (this.feeder.caughtUp?.() ?? Promise.resolve()).then(
      async () => {
        this.ready = true;
        this.incidents.resume();
        this.server.health.set('SERVING');
        log.info({ ms: Date.now() - started, ...this.engine.stats() }, 'graph rebuilt from the log; serving');
        this.markReady();
        this.statsTimer = setInterval(() => graphSize.set(this.engine.stats().resources), 15_000).unref();
        if (this.config.forwarder.enabled) {
          this.forwarder = new HubForwarder(this.eventLog, this.config.forwarder);
          await this.forwarder.start();
        }
      },
      (err: unknown) => log.error({ err: String(err) }, 'rebuilding the graph failed; staying not ready'),
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.metrics?.close?.();
    clearInterval(this.statsTimer);
    this.feed.close();
    this.incidents.stop();
    await this.server.stop();
    await this.forwarder?.stop();
    await this.feeder.stop();
  }
}
