import { Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { ALL_TOPICS } from '#contracts';
import type { EventLog } from './event-log.port.js';

/** Injection token of the process's EventLog (Kafka in production, in-process in all-in-one and replay). */
export const EVENT_LOG = Symbol('EVENT_LOG');

class EventLogCloser implements OnApplicationShutdown {
  constructor(private readonly log: EventLog) {}
  async onApplicationShutdown(): Promise<void> {
    await this.log.close();
  }
}

/**
 * Provides EVENT_LOG to every feature module. The factory decides Kafka or in-process; topics are provisioned
 * with the contract's partitions and cleanup policies before any app module starts.
 */
@Module({})
export class EventLogModule {
  static forRoot(
    factory: () => EventLog | Promise<EventLog>,
    options: { closeOnShutdown?: boolean } = {},
  ): DynamicModule {
    return {
      module: EventLogModule,
      global: true,
      providers: [
        {
          provide: EVENT_LOG,
          useFactory: async () => {
            const log = await factory();
            await log.ensureTopics(ALL_TOPICS);
            return log;
          },
        },
        {
          provide: EventLogCloser,
          inject: [EVENT_LOG],
          useFactory: (log: EventLog) => (options.closeOnShutdown === false ? {} : new EventLogCloser(log)),
        },
      ],
      exports: [EVENT_LOG],
    };
  }
}
