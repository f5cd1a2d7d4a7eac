import type { Command } from 'commander';
import {
  addServerOptions,
  callIncidentAssistant,
  fromTimestamp,
  toTimestamp,
  type ServerFlags,
} from '../grpc-client.js';
import { parseResourceArg, parseTimeArg, type ResourceArg } from '../resource-arg.js';

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
      const res = await callIncidentAssistant<{ entries: TimelineEntryMessage[] }>(flags, 'GetTimeline', {
        resource: flags.resource,
        from: toTimestamp(from),
        to: toTimestamp(to),
        includeDependencies: !!flags.withDependencies,
      });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(res)}\n`);
        return;
      }
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
    },
  );
}
