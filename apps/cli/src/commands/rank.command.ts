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
  confidence?: number;
  score: number;
  explanation: string;
}

interface RankCausesMessage {
  causes: RankedCauseMessage[];
  verdict?: string;
  reason?: string;
  window?: { from?: { seconds: string; nanos: number }; to?: { seconds: string; nanos: number } };
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
      .option(
        '--lookback <seconds>',
        'how far back candidate changes may lie (default 7200)',
        parsePositiveInt,
      )
      .option('--widen', 'look further back when fewer than --top changes fall within the look-back')
      .option('--json', "print JSON in the replay command's shape"),
  ).action(
    async (
      flags: ServerFlags & {
        at?: Date;
        symptom?: ResourceArg;
        incident?: string;
        top: number;
        lookback?: number;
        widen?: boolean;
        json?: boolean;
      },
    ) => {
      const res = await callIncidentAssistant<RankCausesMessage>(flags, 'RankCauses', {
        at: flags.at ? toTimestamp(flags.at) : undefined,
        symptom: flags.symptom,
        incidentId: flags.incident ?? '',
        top: flags.top,
        lookbackSeconds: flags.lookback ?? 0,
        widenLookback: !!flags.widen,
      });
      const causes = res.causes.map((c) => ({
        // proto3 leaves zero values off the wire: an empty namespace (cluster-scoped) or a zero score.
        resource: { kind: c.resource.kind, namespace: c.resource.namespace ?? '', name: c.resource.name },
        changedAt: fromTimestamp(c.changedAt),
        confidence: c.confidence ?? 0,
        score: c.score ?? 0,
        explanation: c.explanation ?? '',
      }));
      const window = { from: fromTimestamp(res.window?.from), to: fromTimestamp(res.window?.to) };
      if (flags.json) {
        process.stdout.write(
          `${JSON.stringify({ verdict: res.verdict, reason: res.reason, window, causes })}\n`,
        );
        return;
      }
      process.stdout.write(`Verdict: ${res.verdict ?? 'unknown'} (${res.reason ?? ''}).\n`);
      process.stdout.write(`Changes considered: ${window.from ?? '?'} to ${window.to ?? '?'}.\n\n`);
      if (causes.length === 0) process.stderr.write('No candidate changes in the window.\n');
      causes.forEach((c, i) => {
        process.stdout.write(
          `${i + 1}. ${c.resource.namespace}/${c.resource.kind}/${c.resource.name} changed ${c.changedAt}  confidence ${c.confidence.toFixed(2)}\n   ${c.explanation}\n`,
        );
      });
    },
  );
}
