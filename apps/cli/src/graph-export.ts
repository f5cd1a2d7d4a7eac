export interface GraphMessage {
  nodes: Array<{ id: string; resource: { kind: string; namespace: string; name: string; group?: string } }>;
  edges: Array<{ from: string; to: string; relation: string; attributes?: ProtoStruct }>;
}

interface ProtoValue {
  kind?: string;
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: ProtoStruct;
  listValue?: { values?: ProtoValue[] };
}
interface ProtoStruct {
  fields?: Record<string, ProtoValue>;
}

/** google.protobuf.Value as the plain JSON value it stands for. */
function plainValue(v: ProtoValue): unknown {
  if (v.structValue) return plainStruct(v.structValue);
  if (v.listValue) return (v.listValue.values ?? []).map(plainValue);
  if (v.numberValue !== undefined) return v.numberValue;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return null;
}

function plainStruct(s: ProtoStruct): Record<string, unknown> {
  return Object.fromEntries(Object.entries(s.fields ?? {}).map(([k, v]) => [k, plainValue(v)]));
}

/** The graph as plain JSON: edge attributes as values, not protobuf Struct internals. */
export function toPlainJson(graph: GraphMessage): unknown {
  return {
    nodes: graph.nodes.map((n) => ({ id: n.id, resource: { ...n.resource } })),
    edges: graph.edges.map((e) => ({
      from: e.from,
      to: e.to,
      relation: e.relation,
      ...(e.attributes ? { attributes: plainStruct(e.attributes) } : {}),
    })),
  };
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
