import { pino, type Logger } from 'pino';

/**
 * One JSON logger for the whole process, on stderr: stdout belongs to command output (replay --json, --print),
 * and `kubectl logs` reads both.
 */
export const rootLogger: Logger = pino(
  {
    level: process.env.LOG_LEVEL ?? 'info',
    base: { service: 'incident-assistant' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  },
  pino.destination({ fd: 2, sync: false }),
);

export function componentLogger(component: string): Logger {
  return rootLogger.child({ component });
}

export type { Logger };
