import {
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { EVENT_LOG, type EventLog } from '#kafka';
import { ReadinessRegistry } from '#observability';
import {
  DIFFER_CONFIG,
  differConfig,
  parseDifferConfig,
  type DifferConfig,
  type DifferConfigInput,
} from './config/differ.config.js';
import { DifferProcessor } from './differ.processor.js';

export interface DifferModuleOptions {
  /** Settings instead of the DIFFER_* environment (tests, all-in-one with flags). */
  config?: DifferConfigInput;
}

/** Starts the processor once the application is up and stops it (flush, commit, leave the group) on shutdown. */
@Injectable()
export class DifferLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    readonly processor: DifferProcessor,
    private readonly readiness: ReadinessRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.readiness.register('differ', () => this.processor.readiness());
    await this.processor.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.processor.stop();
  }
}

/**
 * The differ role. Needs EVENT_LOG (EventLogModule.forRoot) and ObservabilityModule in the root module; /readyz
 * reports ready once the state of the assigned partitions is restored.
 */
@Module({})
export class DifferModule {
  static forRoot(options: DifferModuleOptions = {}): DynamicModule {
    return {
      module: DifferModule,
      imports: [ConfigModule.forFeature(differConfig)],
      providers: [
        {
          provide: DIFFER_CONFIG,
          inject: [differConfig.KEY],
          useFactory: (fromEnv: DifferConfig) =>
            options.config ? parseDifferConfig(options.config) : fromEnv,
        },
        {
          provide: DifferProcessor,
          inject: [EVENT_LOG, DIFFER_CONFIG],
          useFactory: (log: EventLog, c: DifferConfig) =>
            new DifferProcessor(log, {
              groupId: c.groupId,
              ignoreKinds: c.ignoreKinds,
              ignoreDifferences: c.ignoreDifferences,
              controllerOwnedKinds: c.controllerOwnedKinds,
              maxMessageBytes: c.maxMessageBytes,
              logChanges: c.logChanges,
              partitionsConcurrently: c.partitionsConcurrently,
            }),
        },
        {
          provide: DifferLifecycle,
          inject: [DifferProcessor, ReadinessRegistry],
          useFactory: (p: DifferProcessor, r: ReadinessRegistry) => new DifferLifecycle(p, r),
        },
      ],
      exports: [DifferProcessor, DIFFER_CONFIG],
    };
  }
}
