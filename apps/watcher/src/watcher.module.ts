import {
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { EVENT_LOG, type EventLog } from '#kafka';
import { loadKubeConfig, SecretRedactor } from '#kube';
import { componentLogger, ReadinessRegistry } from '#observability';
import { WATCHER_CONFIG, type WatcherConfig } from './config/watcher.config.js';
import { WatcherAgent } from './watcher.agent.js';

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

export interface WatcherModuleOptions {
  /** The parsed settings (parseWatcherConfig), from the environment or built in code. */
  config: WatcherConfig;
  /** The log's largest record (KafkaConnection.maxMessageBytes); default DEFAULT_MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
}

/**
 * The watcher role as a feature module: needs EVENT_LOG (EventLogModule.forRoot) and, when present, the
 * ReadinessRegistry (ObservabilityModule). An all-in-one root module imports it beside the differ and the
 * correlator modules.
 */
@Module({})
export class WatcherModule {
  static forRoot({ config, maxMessageBytes }: WatcherModuleOptions): DynamicModule {
    return {
      module: WatcherModule,
      providers: [
        { provide: WATCHER_CONFIG, useValue: config },
        {
          provide: WatcherAgent,
          inject: [EVENT_LOG],
          useFactory: async (eventLog: EventLog) => {
            if (config.redaction.generatedKey) {
              log.warn(
                'IA_DEV_GENERATE_HMAC_KEY: Secret hashes use a throwaway key and change at every restart',
              );
            }
            return new WatcherAgent({
              ...config.watch,
              cluster: config.cluster,
              filter: config.filter,
              kubeConfig: await loadKubeConfig(config.kube),
              redactor: new SecretRedactor(config.redaction),
              log: eventLog,
              maxMessageBytes,
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
