import { Command, Option } from 'commander';
import { registerGraphCommand } from './commands/graph.command.js';
import { registerRankCommand } from './commands/rank.command.js';
import { registerReplayCommand } from './commands/replay.command.js';
import { registerStartCommand } from './commands/start.command.js';
import { registerTimelineCommand } from './commands/timeline.command.js';

/** `incident-assistant`: one binary for every role, the replay tool and the gRPC client commands. */
export function buildProgram(): Command {
  const program = new Command('incident-assistant')
    .description(
      'Incident Assistant watches every change in your Kubernetes clusters and answers:\n' +
        'which change most likely caused this incident, and why?',
    )
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true })
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .env('LOG_LEVEL'),
    );
  program.addHelpText(
    'after',
    `
Examples:
  # Run everything in one process (watches your kubeconfig context, or plays the demo incident)
  incident-assistant start

  # Run one role against Kafka
  KAFKA_BROKERS=kafka:9092 incident-assistant start --role differ

  # Rank the causes of a recorded incident
  incident-assistant replay incident.jsonl --rank-at 2025-06-05T04:21:53Z --symptom shop/Deployment/frontend --json

  # Ask a running correlator
  incident-assistant rank --symptom shop/Deployment/frontend`,
  );
  registerStartCommand(program);
  registerReplayCommand(program);
  registerRankCommand(program);
  registerTimelineCommand(program);
  registerGraphCommand(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  await buildProgram().parseAsync(argv as string[]);
}
