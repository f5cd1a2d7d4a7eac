import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { kafkaConnectionFromEnv, parseKafkaConnection } from '#kafka';
import { runIfMain, startRole } from '#observability';
import { parseWatcherConfig, watcherConfigFromEnv } from './config/watcher.config.js';
import { WatcherAppModule } from './watcher-app.module.js';

/** What `start --role watcher --kubeconfig --context` says over KUBECONFIG and IA_KUBE_CONTEXT. */
export interface WatcherFlags {
  kubeconfig?: string;
  context?: string;
}

/**
 * Starts the watcher role against Kafka (KAFKA_*, IA_*): a missing setting such as IA_SECRET_HMAC_KEY stops it
 * with a message naming it; resolves once /healthz, /readyz and /metrics listen on WATCHER_HTTP_PORT.
 */
export async function bootstrapWatcher(
  env: NodeJS.ProcessEnv = process.env,
  flags: WatcherFlags = {},
): Promise<INestApplication> {
  const kafka = parseKafkaConnection(kafkaConnectionFromEnv(env));
  const input = watcherConfigFromEnv(env);
  const config = parseWatcherConfig({
    ...input,
    kube: {
      ...input.kube,
      kubeconfig: flags.kubeconfig ?? input.kube?.kubeconfig,
      context: flags.context ?? input.kube?.context,
    },
  });
  return startRole({
    role: 'watcher',
    module: WatcherAppModule.forRoot({ kafka, config }),
    http: config.http,
    details: { cluster: config.cluster },
  });
}

runIfMain(import.meta.url, 'watcher', () => bootstrapWatcher());
