import 'reflect-metadata';
import { Module, type DynamicModule, type INestApplication } from '@nestjs/common';
import { ALL_TOPICS } from '#contracts';
import type { CorrelationEngine } from '#correlation';
import { EventLogModule, MemoryEventLog } from '#kafka';
import { prometheusMetricsSourceFromEnv } from '#metrics';
import { ObservabilityModule, startRole } from '#observability';
import {
  ALERT_INTAKE,
  type AlertSink,
  CORRELATION_ENGINE,
  correlatorConfigFromEnv,
  CorrelatorModule,
  CorrelatorProcessor,
  parseCorrelatorConfig,
} from '#correlator';
import { differConfigFromEnv, DifferModule, parseDifferConfig } from '#differ';
import { parseWatcherConfig, watcherConfigFromEnv, WatcherModule } from '#watcher';
import { loadDemoIncident, playDemoIncident } from './demo-incident.js';
import { probeKube } from './kube-reachability.js';

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

/** The all-in-one's root: the three role modules over one in-process log (startAllInOne lists them). */
@Module({})
class AllInOneModule {}

/**
 * The embedded default, like Jaeger's all-in-one: watcher, differ and correlator in one process over the
 * in-process log, with the same modules, topics, keys and offsets as the distributed deployment.
 */
export async function startAllInOne(options: AllInOneOptions): Promise<INestApplication> {
  const env = options.env ?? process.env;
  const out = options.out ?? ((t: string) => void process.stdout.write(t));
  const watcherInput = watcherConfigFromEnv(env);
  const kubeInput = {
    ...watcherInput.kube,
    kubeconfig: options.kubeconfig ?? watcherInput.kube?.kubeconfig,
    context: options.context ?? watcherInput.kube?.context,
  };

  const kube =
    options.demo === 'always'
      ? ({ reachable: false, reason: '--demo given' } as const)
      : await probeKube({ kubeconfig: kubeInput.kubeconfig, context: kubeInput.context });
  if (!kube.reachable && options.demo === 'never') throw new Error(`no cluster to watch: ${kube.reason}`);
  const demo = kube.reachable ? undefined : await loadDemoIncident();

  const correlatorInput = correlatorConfigFromEnv(env);
  const cluster = demo ? 'demo' : (correlatorInput.cluster ?? 'local');
  const correlatorConfig = parseCorrelatorConfig({
    ...correlatorInput,
    cluster,
    // A laptop default: nothing listens beyond loopback unless asked to.
    http: { ...correlatorInput.http, host: correlatorInput.http?.host ?? '127.0.0.1' },
    grpc: { ...correlatorInput.grpc, host: correlatorInput.grpc?.host ?? '127.0.0.1' },
  });
  const roles: DynamicModule[] = [
    DifferModule.forRoot({ config: parseDifferConfig(differConfigFromEnv(env)) }),
    CorrelatorModule.forRoot({
      config: correlatorConfig,
      // Against a real cluster, PROMETHEUS_URL lets rankings read the golden signals of the changed pods.
      metrics: demo ? undefined : prometheusMetricsSourceFromEnv(env),
      // The in-process log is new at every start, so one fixed group reads it all; drained() can then tell
      // when the demo has been consumed.
      feeder: (l, engine) => {
        const processor = new CorrelatorProcessor(l, engine, { groupId: CORRELATOR_GROUP });
        return { start: () => processor.start(), stop: () => processor.stop(), caughtUp: async () => {} };
      },
    }),
  ];
  if (kube.reachable) {
    const watcherConfig = parseWatcherConfig({
      ...watcherInput,
      cluster,
      kube: kubeInput,
      // Nothing leaves this process but gRPC answers, so a per-process HMAC key is acceptable here by default.
      redaction: { ...watcherInput.redaction, generateKey: true },
    });
    roles.push(WatcherModule.forRoot({ config: watcherConfig }));
  }

  const eventLog = new MemoryEventLog();
  await eventLog.ensureTopics(ALL_TOPICS);
  const { http, grpc: grpcConfig } = correlatorConfig;
  const grpc = `${grpcConfig.host}:${grpcConfig.port}`;
  const app = await startRole({
    role: 'all-in-one',
    module: {
      module: AllInOneModule,
      imports: [ObservabilityModule, EventLogModule.forRoot(() => eventLog), ...roles],
    },
    http,
    details: { cluster, grpc, demo: !!demo },
  });

  out(
    [
      'Incident Assistant all-in-one (watcher + differ + correlator, in-process log)',
      kube.reachable
        ? `  watching:   ${kube.server} (cluster id "${cluster}")`
        : `  watching:   no cluster (${kube.reason}); playing the demo incident`,
      `  gRPC:       ${grpc}   e.g. incident-assistant rank --server ${grpc.replace('0.0.0.0', '127.0.0.1')}${demo ? ` --at ${demo.rankAt.toISOString()} --symptom ${demo.symptom.namespace}/${demo.symptom.kind}/${demo.symptom.name}` : ''}`,
      `  HTTP:       http://${http.host}:${http.port}  (/healthz /readyz /metrics, POST /api/v1/alertmanager)`,
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
  return app;
}
