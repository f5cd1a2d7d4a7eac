export interface GraphMessage {
  nodes: Array<{ id: string; resource: { kind: string; namespace: string; name: string } }>;
  edges: Array<{ from: string; to: string; relation: string }>;
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

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
    for (const n of nodes)
      lines.push(`    ${quote(n.id)} [label=${quote(`${n.resource.kind}\n${n.resource.name}`)}];`);
    lines.push('  }');
  }
  for (const e of graph.edges)
    lines.push(`  ${quote(e.from)} -> ${quote(e.to)} [label=${quote(e.relation)}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}
