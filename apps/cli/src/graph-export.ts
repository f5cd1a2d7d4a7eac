export interface GraphMessage {
  nodes: Array<{ id: string; resource: { kind: string; namespace: string; name: string } }>;
  edges: Array<{ from: string; to: string; relation: string }>;
}

const escape = (s: string) => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const quote = (s: string) => `"${escape(s)}"`;

/** Graphviz DOT, one cluster per namespace, edges labelled with their relation. */
export function toDot(graph: GraphMessage): string {
  const byNamespace = new Map<string, GraphMessage['nodes']>();
  for (const n of graph.nodes) {
    const ns = n.resource.namespace || '(cluster)';
    byNamespace.set(ns, [...(byNamespace.get(ns) ?? []), n]);
  }
  const lines = ['digraph dependencies {', '  rankdir=LR;', '  node [shape=box, fontsize=10];'];
  let i = 0;
  for (const [ns, nodes] of [...byNamespace].sort(([a], [b]) => a.localeCompare(b))) {
    lines.push(`  subgraph cluster_${i++} {`, `    label=${quote(ns)};`);
    for (const n of nodes) {
      // DOT's own line-break escape, so each label stays on one line of the file.
      const label = `"${escape(n.resource.kind)}\\n${escape(n.resource.name)}"`;
      lines.push(`    ${quote(n.id)} [label=${label}];`);
    }
    lines.push('  }');
  }
  for (const e of graph.edges)
    lines.push(`  ${quote(e.from)} -> ${quote(e.to)} [label=${quote(e.relation ?? '')}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
