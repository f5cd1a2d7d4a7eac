import { Option, type Command } from 'commander';
import { formatReplayReport, runReplay } from '../replay/replay.pipeline.js';
import { parsePositiveInt, parseResourceArg, parseTimeArg, type ResourceArg } from '../resource-arg.js';

interface ReplayFlags {
  rankAt?: Date;
  symptom?: ResourceArg;
  top?: number;
  json?: boolean;
  print?: 'raw' | 'changes' | 'anomalies';
}

export function registerReplayCommand(program: Command): void {
  program
    .command('replay')
    .description(
      'Replay a recorded incident through watcher -> differ -> correlator in one process, and rank its causes',
    )
    .argument(
      '<file.jsonl>',
      'recording in the scenario format (watch events and Alertmanager notifications)',
    )
    .option(
      '--rank-at <RFC3339>',
      'investigation time; later lines are ignored (default: the last line)',
      parseTimeArg,
    )
    .option('--symptom <namespace/Kind/name>', 'the workload under investigation', parseResourceArg)
    .option('--top <N>', 'how many causes (default 5)', parsePositiveInt)
    .option('--json', 'print one JSON document instead of a report')
    .addOption(
      new Option('--print <topic>', "print a topic's messages as JSON lines instead of ranking").choices([
        'raw',
        'changes',
        'anomalies',
      ]),
    )
    .action(async (file: string, flags: ReplayFlags) => {
      const output = await runReplay({
        file,
        rankAt: flags.rankAt,
        symptom: flags.symptom,
        top: flags.top,
        print: flags.print,
      });
      if (flags.print) {
        for (const line of output.lines ?? []) process.stdout.write(`${JSON.stringify(line)}\n`);
      } else if (flags.json) {
        const { verdict, reason, window, causes } = output;
        process.stdout.write(`${JSON.stringify({ verdict, reason, window, causes })}\n`);
      } else {
        process.stdout.write(formatReplayReport(output));
      }
    });
}
