import type { Command } from 'commander';
import {
  addServerOptions,
  callIncidentAssistant,
  fromTimestamp,
  toTimestamp,
  type ServerFlags,
} from '../grpc-client.js';
import { parseResourceArg, parseTimeArg, type ResourceArg } from '../resource-arg.js';

interface RevisionMetricsMessage {
  signal: string;
  revision: string;
  pods: number;
  points: Array<{ at: { seconds: string; nanos: number }; value: number }>;
}

const SIGNAL_LABEL: Record<string, (v: number) => string> = {
  request_success_ratio: (v) => `${(v * 100).toFixed(1)}%`,
  request_latency_ms: (v) => `${v.toFixed(v < 10 ? 1 : 0)}ms`,
  container_cpu_usage_ratio: (v) => `${Math.round(v * 100)}%`,
  container_memory_usage_ratio: (v) => `${Math.round(v * 100)}%`,
};

/** One line per signal and revision: the last points of the window, oldest first. */
export function formatTimelineMetrics(metrics: readonly RevisionMetricsMessage[], last = 12): string[] {
  const lines: string[] = [];
  for (const m of metrics) {
    const fmt = SIGNAL_LABEL[m.signal] ?? ((v: number) => v.toPrecision(3));
    const points = m.points.slice(-last);
    const hhmm = (p?: (typeof points)[number]) => fromTimestamp(p?.at)?.slice(11, 16) ?? '-';
    const from = hhmm(points[0]);
    const to = hhmm(points.at(-1));
    lines.push(
      `  ${m.signal.padEnd(29)} ${m.revision.padEnd(30)} ${String(m.pods).padStart(2)} pod(s)  ${from}-${to}  ${points.map((p) => fmt(p.value)).join(' ')}`,
    );
  }
  return lines;
}

interface TimelineEntryMessage {
  at: { seconds: string; nanos: number };
  change?: { summary: string; actor?: { manager: string }; resource: { kind: string; name: string } };
  anomaly?: { reason: string; severity: string; subject: { kind: string; name: string }; message: string };
}

export function registerTimelineCommand(program: Command): void {
  addServerOptions(
    program
      .command('timeline')
      .description('Changes and anomalies of a resource (and what it depends on) in a time window')
      .requiredOption('--resource <namespace/Kind/name>', 'the resource', parseResourceArg)
      .option('--from <RFC3339>', 'window start (default 2 h before --to)', parseTimeArg)
      .option('--to <RFC3339>', 'window end (default now)', parseTimeArg)
      .option('--with-dependencies', 'include what the resource depends on')
      .option('--json', 'print JSON'),
  ).action(
    async (
      flags: ServerFlags & {
        resource: ResourceArg;
        from?: Date;
        to?: Date;
        withDependencies?: boolean;
        json?: boolean;
      },
    ) => {
      const to = flags.to ?? new Date();
      const from = flags.from ?? new Date(to.getTime() - 2 * 3600_000);
      const res = await callIncidentAssistant<{
        entries: TimelineEntryMessage[];
        metrics?: RevisionMetricsMessage[];
        metricsNote?: string;
      }>(flags, 'GetTimeline', {
        resource: flags.resource,
        from: toTimestamp(from),
        to: toTimestamp(to),
        includeDependencies: !!flags.withDependencies,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(res)}\n`);
        return;
      }
      if (res.entries.length === 0)
        process.stderr.write(
          `No change or anomaly of ${flags.resource.namespace}/${flags.resource.kind}/${flags.resource.name} between ${from.toISOString()} and ${to.toISOString()}.\n`,
        );
      for (const e of res.entries) {
        const at = fromTimestamp(e.at);
        if (e.change) {
          process.stdout.write(
            `${at}  CHANGE   ${e.change.resource.kind}/${e.change.resource.name}  ${e.change.summary}  by ${e.change.actor?.manager ?? '?'}\n`,
          );
        } else if (e.anomaly) {
          process.stdout.write(
            `${at}  ANOMALY  ${e.anomaly.subject.kind}/${e.anomaly.subject.name}  ${e.anomaly.reason} (${e.anomaly.severity}) ${e.anomaly.message}\n`,
          );
        }
      }
      if (res.metrics?.length) {
        process.stdout.write(`\nGolden signals per revision (mean of its pods per interval):\n`);
        process.stdout.write(`${formatTimelineMetrics(res.metrics).join('\n')}\n`);
      } else if (res.metricsNote) {
        process.stdout.write(`\nMetrics: ${res.metricsNote}\n`);
      }
    },
  );
}
