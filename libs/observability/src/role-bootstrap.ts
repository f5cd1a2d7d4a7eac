import { pathToFileURL } from 'node:url';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { componentLogger } from './logger.js';
import { PinoNestLogger } from './nest-logger.js';

export interface RoleStart {
  /** The role's name, in its log lines. */
  role: string;
  /** The role's root module, built from its parsed settings. */
  module: DynamicModule;
  /** Where /healthz, /readyz and /metrics (and the role's own HTTP routes) listen; no host: every interface. */
  http: { host?: string; port: number };
  /** More of what the "listening" line says. */
  details?: Record<string, unknown>;
}

/**
 * Starts one role as its own process: the Nest app on the process logger, shutdown hooks (SIGTERM from
 * Kubernetes closes consumers, servers and the log in order), then its HTTP port.
 */
export async function startRole({ role, module, http, details }: RoleStart): Promise<INestApplication> {
  const app = await NestFactory.create(module, { logger: new PinoNestLogger(), bufferLogs: true });
  app.enableShutdownHooks();
  await (http.host === undefined ? app.listen(http.port) : app.listen(http.port, http.host));
  componentLogger(role).info({ http: `${http.host ?? '*'}:${http.port}`, ...details }, `${role} listening`);
  return app;
}

/**
 * Runs `start` when the calling module is the process's entry point (`node dist/apps/<role>/src/main.js`). A
 * failure is logged by its message (a bad setting names itself; its stack would say nothing) and exits 1.
 */
export function runIfMain(moduleUrl: string, role: string, start: () => Promise<unknown>): void {
  if (!process.argv[1] || moduleUrl !== pathToFileURL(process.argv[1]).href) return;
  start().catch((err: unknown) => {
    componentLogger(role).fatal(
      { err: err instanceof Error ? err.message : String(err) },
      `${role} failed to start`,
    );
    process.exitCode = 1;
  });
}
