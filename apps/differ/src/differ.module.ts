import {
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import { EVENT_LOG, type EventLog } from '#kafka';
import { ReadinessRegistry } from '#observability';
import { DIFFER_CONFIG, type DifferConfig } from './config/differ.config.js';
import { DifferProcessor } from './differ.processor.js';

export interface DifferModuleOptions {
  /** The parsed settings (parseDifferConfig), from the DIFFER_* environment or built in code. */
  config: DifferConfig;
  /** The log's largest record (KafkaConnection.maxMessageBytes); default DEFAULT_MAX_MESSAGE_BYTES. */
  maxMessageBytes?: number;
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
  static forRoot({ config, maxMessageBytes }: DifferModuleOptions): DynamicModule {
    return {
      module: DifferModule,
      providers: [
        { provide: DIFFER_CONFIG, useValue: config },
        {
          provide: DifferProcessor,
          inject: [EVENT_LOG],
          useFactory: (log: EventLog) => {
            const { http: _http, ...options } = config;
            return new DifferProcessor(log, { ...options, maxMessageBytes });
          },
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
