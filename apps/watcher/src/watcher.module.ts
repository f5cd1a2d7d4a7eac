import {
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { EVENT_LOG, type EventLog } from '#kafka';
import { SecretRedactor } from '#kube';
import { componentLogger, ReadinessRegistry } from '#observability';
import type { WatcherSettings } from './config/watcher.config.js';
import { loadKubeConfig } from './kube/kube-config.loader.js';
import { WatcherAgent } from './watcher.agent.js';

export const WATCHER_SETTINGS = Symbol('WATCHER_SETTINGS');
export const WATCHER_MAX_MESSAGE_BYTES = Symbol('WATCHER_MAX_MESSAGE_BYTES');

const log = componentLogger('watcher');

/** Runs the WatcherAgent for the Nest app's lifetime and registers its readiness. */
class WatcherLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly agent: WatcherAgent,
    private readonly readiness?: ReadinessRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.readiness?.register('watcher', () => this.agent.readiness());
    await this.agent.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.agent.stop();
  }
}

/**
 * The watcher role as a feature module: needs EVENT_LOG (EventLogModule.forRoot) and, when present, the
 * ReadinessRegistry (ObservabilityModule). An all-in-one root module imports it beside the differ and the
 * correlator modules.
 */
@Module({})
export class WatcherModule {
  static forRoot(settings: WatcherSettings, options: { maxMessageBytes?: number } = {}): DynamicModule {
    return {
      module: WatcherModule,
      providers: [
        { provide: WATCHER_SETTINGS, useValue: settings },
        {
          provide: WatcherAgent,
          inject: [EVENT_LOG],
          useFactory: (eventLog: EventLog) => {
            if (settings.redaction.generatedKey) {
              log.warn(
                'IA_DEV_GENERATE_HMAC_KEY: Secret hashes use a throwaway key and change at every restart',
              );
            }
            return new WatcherAgent({
              cluster: settings.cluster,
              kubeConfig: loadKubeConfig(settings.kube),
              log: eventLog,
              redactor: new SecretRedactor(settings.redaction),
              filter: settings.filter,
              rediscoveryMs: settings.rediscoveryMs,
              pageSize: settings.pageSize,
              bufferCapacity: settings.bufferCapacity,
              bufferBytes: settings.bufferBytes,
              publishBatch: settings.publishBatch,
              idleTimeoutMs: settings.idleTimeoutMs,
              maxMessageBytes: options.maxMessageBytes,
            });
          },
        },
        {
          provide: WatcherLifecycle,
          inject: [WatcherAgent, { token: ReadinessRegistry, optional: true }],
          useFactory: (agent: WatcherAgent, readiness?: ReadinessRegistry) =>
            new WatcherLifecycle(agent, readiness),
        },
      ],
      exports: [WatcherAgent],
    };
  }
}
