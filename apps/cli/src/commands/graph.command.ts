import { Option, type Command } from 'commander';
import { addServerOptions, callIncidentAssistant, type ServerFlags } from '../grpc-client.js';
import { parsePositiveInt, parseResourceArg, type ResourceArg } from '../resource-arg.js';
import { toDot, toPlainJson, type GraphMessage } from '../graph-export.js';

export function registerGraphCommand(program: Command): void {
  addServerOptions(
    program
      .command('graph')
      .description('Export the dependency graph of a namespace, or around a resource, as DOT or JSON')
      .option('--namespace <ns>', 'the namespace')
      .option('--root <namespace/Kind/name>', 'a root resource instead of a namespace', parseResourceArg)
      .option('--depth <N>', 'hops from the root', parsePositiveInt, 2)
      .addOption(new Option('--format <format>', 'output format').choices(['dot', 'json']).default('dot')),
  ).action(
    async (
      flags: ServerFlags & { namespace?: string; root?: ResourceArg; depth: number; format: 'dot' | 'json' },
    ) => {
      if (!flags.namespace && !flags.root) throw new Error('give --namespace or --root');
      const graph = await callIncidentAssistant<GraphMessage>(flags, 'GetDependencyGraph', {
        namespace: flags.namespace ?? '',
        root: flags.root,
        depth: flags.depth,
      });
      if (graph.nodes.length === 0) process.stderr.write('The graph is empty.\n');
      process.stdout.write(
        flags.format === 'json' ? `${JSON.stringify(toPlainJson(graph), null, 2)}\n` : toDot(graph),
      );
    },
  );
}
