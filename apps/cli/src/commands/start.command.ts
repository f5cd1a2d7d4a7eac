import { Option, type Command } from 'commander';

interface StartFlags {
  role: 'all' | 'watcher' | 'differ' | 'correlator';
  demo?: boolean;
  kubeconfig?: string;
  context?: string;
}

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Run Incident Assistant: all roles in one process (default), or one role against Kafka')
    .addOption(
      new Option('--role <role>', 'which role to run; all = in-process log, others need KAFKA_BROKERS')
        .choices(['all', 'watcher', 'differ', 'correlator'])
        .default('all')
        .env('IA_ROLE'),
    )
    .option('--demo', 'all-in-one: play the bundled demo incident even when a cluster is reachable')
    .option('--kubeconfig <file>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context (default: current-context)')
    .addHelpText(
      'after',
      `
Roles against Kafka read their settings from the environment (KAFKA_BROKERS, IA_CLUSTER_ID, IA_SECRET_HMAC_KEY, ...);
see the README's configuration section. Invalid settings stop the process with a message naming the variable.`,
    )
    .action(async (flags: StartFlags) => {
      if (flags.role !== 'all' && !process.env.KAFKA_BROKERS) {
        throw new Error(
          `--role ${flags.role} runs against Kafka: set KAFKA_BROKERS (or run without --role for all-in-one)`,
        );
      }
      switch (flags.role) {
        case 'watcher': {
          const { bootstrapWatcher } = await import('#watcher/main');
          await bootstrapWatcher(process.env, { kubeconfig: flags.kubeconfig, context: flags.context });
          return;
        }
        case 'differ':
          await (await import('#differ/main')).bootstrapDiffer();
          return;
        case 'correlator':
          await (await import('#correlator/main')).bootstrapCorrelator();
          return;
        default: {
          const { startAllInOne } = await import('../all-in-one/all-in-one.app.js');
          await startAllInOne({
            demo: flags.demo ? 'always' : 'auto',
            kubeconfig: flags.kubeconfig,
            context: flags.context,
          });
        }
      }
    });
}
