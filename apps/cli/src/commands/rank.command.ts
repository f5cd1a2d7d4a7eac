import type { Command } from 'commander';
import {
  addServerOptions,
  callIncidentAssistant,
  fromTimestamp,
  toTimestamp,
  type ServerFlags,
} from '../grpc-client.js';
import { parsePositiveInt, parseResourceArg, parseTimeArg, type ResourceArg } from '../resource-arg.js';

interface RankedCauseMessage {
  resource: { kind: string; namespace: string; name: string };
  changedAt: { seconds: string; nanos: number };
  score: number;
  explanation: string;
}

export function registerRankCommand(program: Command): void {
  addServerOptions(
    program
      .command('rank')
      .description('Ask a running correlator which changes most likely caused an incident')
      .option('--at <RFC3339>', 'investigation time (default now)', parseTimeArg)
      .option('--symptom <namespace/Kind/name>', 'the workload under investigation', parseResourceArg)
      .option('--incident <id>', 'an incident id from ListIncidents instead of --at/--symptom')
      .option('--top <N>', 'how many causes', parsePositiveInt, 5)
      .option('--json', "print JSON in the replay command's shape"),
  ).action(
    async (
      flags: ServerFlags & {
        at?: Date;
        symptom?: ResourceArg;
        incident?: string;
        top: number;
        json?: boolean;
      },
    ) => {
      const res = await callIncidentAssistant<{ causes: RankedCauseMessage[] }>(flags, 'RankCauses', {
        at: flags.at ? toTimestamp(flags.at) : undefined,
        symptom: flags.symptom,
        incidentId: flags.incident ?? '',
        top: flags.top,
      });
      const causes = res.causes.map((c) => ({
        // proto3 leaves zero values off the wire: an empty namespace (cluster-scoped) or a zero score.
        resource: { kind: c.resource.kind, namespace: c.resource.namespace ?? '', name: c.resource.name },
        changedAt: fromTimestamp(c.changedAt),
        score: c.score ?? 0,
        explanation: c.explanation ?? '',
      }));
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ causes })}\n`);
        return;
      }
      if (causes.length === 0) process.stdout.write('No candidate changes in the window.\n');
      causes.forEach((c, i) => {
        process.stdout.write(
          `${i + 1}. ${c.resource.namespace}/${c.resource.kind}/${c.resource.name} changed ${c.changedAt}  score ${c.score.toFixed(3)}\n   ${c.explanation}\n`,
        );
      });
    },
  );
}
