import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import { ALL_TOPICS } from '#contracts';
import type { CorrelationEngine } from '#correlation';
import { EventLogModule, MemoryEventLog } from '#kafka';
import { componentLogger, ObservabilityModule, PinoNestLogger } from '#observability';
import {
  correlatorConfigFromEnv,
  parseCorrelatorConfig,
  type CorrelatorConfigInput,
} from '../../../correlator/src/config/correlator.config.js';
import { CORRELATION_ENGINE, CorrelatorModule } from '../../../correlator/src/correlator.module.js';
import { CorrelatorProcessor } from '../../../correlator/src/correlator.processor.js';
import { ALERT_INTAKE, type AlertSink } from '../../../correlator/src/http/alert-sink.js';
import { differConfigFromEnv, parseDifferConfig } from '../../../differ/src/config/differ.config.js';
import { DifferModule } from '../../../differ/src/differ.module.js';
import { parseWatcherConfig, watcherConfigFromEnv } from '../../../watcher/src/config/watcher.config.js';
import { WatcherModule } from '../../../watcher/src/watcher.module.js';
import { loadDemoIncident, playDemoIncident } from './demo-incident.js';
import { probeKube } from './kube-reachability.js';

const log = componentLogger('all-in-one');

export interface AllInOneOptions {
  /** `auto`: watch the kubeconfig's cluster when it answers, else play the demo. */
  demo: 'auto' | 'always' | 'never';
  kubeconfig?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** Where the report and the startup lines go (stdout in the CLI). */
  out?: (text: string) => void;
}

const CORRELATOR_GROUP = 'ia-correlator';
const DIFFER_GROUP = 'ia-differ';

/**
 * The embedded default, like Jaeger's all-in-one: watcher, differ and correlator in one process over the
 * in-process log, with the same modules, topics, keys and offsets as the distributed deployment.
 */
export async function startAllInOne(options: AllInOneOptions): Promise<INestApplication> {
  const env = { ...(options.env ?? process.env) };
  const out = options.out ?? ((t: string) => void process.stdout.write(t));
  if (options.kubeconfig) env.KUBECONFIG = options.kubeconfig;
  if (options.context) env.IA_KUBE_CONTEXT = options.context;

  const kube =
    options.demo === 'always'
      ? ({ reachable: false, reason: '--demo given' } as const)
      : await probeKube({ kubeconfig: env.KUBECONFIG, context: env.IA_KUBE_CONTEXT });
  if (!kube.reachable && options.demo === 'never') throw new Error(`no cluster to watch: ${kube.reason}`);
  const demo = kube.reachable ? undefined : await loadDemoIncident();

  // Nothing leaves this process but gRPC answers, so a per-process HMAC key is acceptable here by default.
  if (!env.IA_SECRET_HMAC_KEY) env.IA_DEV_GENERATE_HMAC_KEY = 'true';
  const cluster = demo ? 'demo' : (env.IA_CLUSTER_ID ?? 'local');
  env.IA_CLUSTER_ID = cluster;
  const eventLog = new MemoryEventLog();
  await eventLog.ensureTopics(ALL_TOPICS);

  const fromEnv = correlatorConfigFromEnv(env);
  const correlatorConfig: CorrelatorConfigInput = {
    ...fromEnv,
    cluster,
    // A laptop default: nothing listens beyond loopback unless asked to.
    http: { ...fromEnv.http, host: env.CORRELATOR_HTTP_HOST ?? '127.0.0.1' },
    grpc: { ...fromEnv.grpc, host: env.CORRELATOR_GRPC_HOST ?? '127.0.0.1' },
  };
  const roles: DynamicModule[] = [
    DifferModule.forRoot({ config: parseDifferConfig(differConfigFromEnv(env)) }),
    CorrelatorModule.forRoot({
      config: parseCorrelatorConfig(correlatorConfig),
      // The in-process log is new at every start, so one fixed group reads it all; drained() can then tell
      // when the demo has been consumed.
      feeder: (l, engine) => {
        const processor = new CorrelatorProcessor(l, engine, { groupId: CORRELATOR_GROUP });
        return { start: () => processor.start(), stop: () => processor.stop(), caughtUp: async () => {} };
      },
    }),
  ];
  if (kube.reachable)
    roles.push(WatcherModule.forRoot({ config: parseWatcherConfig(watcherConfigFromEnv(env)) }));

  @Module({
    imports: [
      ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true }),
      ObservabilityModule,
      EventLogModule.forRoot(() => eventLog),
      ...roles,
    ],
  })
  class AllInOneModule {}

  const app = await NestFactory.create(AllInOneModule, { logger: new PinoNestLogger(), bufferLogs: true });
  app.enableShutdownHooks();
  const httpHost = correlatorConfig.http?.host ?? '127.0.0.1';
  const httpPort = Number(correlatorConfig.http?.port ?? 8083);
  await app.listen(httpPort, httpHost);

  const grpc = `${correlatorConfig.grpc?.host}:${correlatorConfig.grpc?.port ?? 50051}`;
  out(
    [
      'Incident Assistant all-in-one (watcher + differ + correlator, in-process log)',
      kube.reachable
        ? `  watching:   ${kube.server} (cluster id "${cluster}")`
        : `  watching:   no cluster (${kube.reason}); playing the demo incident`,
      `  gRPC:       ${grpc}   e.g. incident-assistant rank --server ${grpc.replace('0.0.0.0', '127.0.0.1')}${demo ? ` --at ${demo.rankAt.toISOString()} --symptom ${demo.symptom.namespace}/${demo.symptom.kind}/${demo.symptom.name}` : ''}`,
      `  HTTP:       http://${httpHost}:${httpPort}  (/healthz /readyz /metrics, POST /api/v1/alertmanager)`,
      '',
    ].join('\n'),
  );

  if (demo) {
    out(`Demo: ${demo.description}\n\n`);
    const report = await playDemoIncident({
      demo,
      eventLog,
      cluster,
      alerts: app.get<AlertSink>(ALERT_INTAKE),
      engine: app.get<CorrelationEngine>(CORRELATION_ENGINE),
      correlatorGroup: CORRELATOR_GROUP,
      differGroup: DIFFER_GROUP,
      correlatorTopics: CorrelatorProcessor.TOPICS,
    });
    out(report);
    out('\nStill serving gRPC; Ctrl-C stops.\n');
  }
  log.info({ cluster, grpc, demo: !!demo }, 'all-in-one started');
  return app;
}
