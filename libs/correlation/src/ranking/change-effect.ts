import { isEmptySelector, selectorMatches, type DependencyGraph, type LabelSelector } from '#graph';
import type { Candidate } from './candidate-changes.js';
import { namespaceWorkloads } from './namespace-workloads.js';

/**
 * What a change certainly breaks, read from the manifests alone. Most changes only *may* break something (an
 * image, an env var, a config value: whether they do shows only in the symptoms). A few have an effect on traffic
 * that the manifests determine: a workload that serves callers scaled to zero, or a NetworkPolicy that admits
 * none of the workload's callers. Their callers lose the service the moment the change lands, whatever the code.
 *
 * `certainty` is how sure the outage is, in [0, 1]: the share of the workload's callers (known from addresses,
 * else presumed: the other workloads of an open namespace) that lose it, times CERTAIN.
 */
export interface CertainBreak {
  certainty: number;
  reason: string;
  /**
   * Where a policy's outage surfaces: the callers it denies (their requests are refused). Connections opened
   * before the policy may live on until they are re-established (pools, keep-alive, gRPC channels), so a denied
   * caller may fail only minutes later: like a slow fault on the changed workload itself (cause-ranker.ts).
   */
  surfaces?: string[];
}

/** Even a manifest-determined outage may go unnoticed (a caller with a fallback, traffic that is not there). */
const CERTAIN = 0.9;
/** Namespaces are not watched; the one label every namespace carries is its name. */
const NS_NAME_LABEL = 'kubernetes.io/metadata.name';
/** A Service that no workload calls (where calls are visible) may serve outside clients, or nobody: even odds. */
const OUTSIDE_BELIEF = 0.5;

export function certainBreak(graph: DependencyGraph, c: Candidate): CertainBreak | undefined {
  if (c.change.operation === 'delete') return undefined;
  if (c.change.classes.includes('scale-to-zero')) return scaledToZero(graph, c.origin);
  if (c.change.ref.kind === 'NetworkPolicy') return policyBreak(graph, c.origin);
  return undefined;
}

/**
 * Where a slow fault of the change would surface first, besides what it reaches without calls: the callers a
 * restricting NetworkPolicy denies. Connections opened before the policy may live on until they are
 * re-established, so these callers may fail only minutes later, as a slow fault's own workload does
 * (cause-ranker.ts reads their symptoms with the slow lag). `breakOf` gives the candidate's certain break, cached.
 */
export function slowSurfaces(
  c: Candidate,
  breakOf: (ci: number) => CertainBreak | undefined,
  ci: number,
): ReadonlySet<string> | undefined {
  if (c.change.ref.kind !== 'NetworkPolicy') return undefined;
  const surfaces = breakOf(ci)?.surfaces;
  return surfaces?.length ? new Set(surfaces) : undefined;
}

function scaledToZero(graph: DependencyGraph, workload: string): CertainBreak | undefined {
  const { callers, belief } = callersOf(graph, workload);
  if (callers.length === 0) return undefined;
  return {
    certainty: CERTAIN * belief,
    reason: `scaled to zero while ${callers.length} workload(s) ${belief < 1 ? 'may ' : ''}call it`,
  };
}

/** Ingress only: the policy's targets are the workloads it selects; each loses the callers no rule admits. */
function policyBreak(graph: DependencyGraph, policyId: string): CertainBreak | undefined {
  const policy = graph.object(policyId) as { spec?: PolicySpec } | undefined;
  if (!policy?.spec || !appliesToIngress(policy.spec)) return undefined;
  let callers = 0;
  let denied = 0;
  let belief = 1;
  const surfaces = new Set<string>();
  for (const target of graph.dependents(policyId)) {
    if (target.relation !== 'restricted-by') continue;
    // Policies are additive: a caller is admitted if any policy selecting the target admits it.
    const policies = graph
      .dependencies(target.node)
      .filter((d) => d.relation === 'restricted-by')
      .map((d) => (graph.object(d.node) as { spec?: PolicySpec } | undefined)?.spec)
      .filter((s): s is PolicySpec => !!s && appliesToIngress(s));
    const ports = servedPorts(graph, target.node);
    const policyNs = policyId.split('/')[2];
    const known = callersOf(graph, target.node);
    if (known.callers.length === 0 && servedPorts(graph, target.node).size > 0) {
      // A Service no workload calls, where calls are visible: it serves clients from outside (through an ingress
      // controller or a load balancer), or nobody. Only peers of the policy's own namespace admitted: cut off.
      callers++;
      belief = Math.min(belief, OUTSIDE_BELIEF);
      if (policies.some((p) => admitsOutside(p, policyNs, ports))) continue;
      denied++;
      surfaces.add(target.node);
      continue;
    }
    belief = Math.min(belief, known.belief);
    for (const caller of known.callers) {
      callers++;
      const [, , ns] = caller.split('/');
      const labels = podLabels(graph.object(caller));
      if (policies.some((p) => admits(p, policyNs, ns, labels, ports))) continue;
      denied++;
      surfaces.add(caller);
    }
  }
  if (callers === 0 || denied === 0) return undefined;
  return {
    certainty: (CERTAIN * belief * denied) / callers,
    reason: `admits ${callers - denied} of the ${callers} caller(s) of what it selects (workloads, or its outside clients)`,
    surfaces: [...surfaces].sort(),
  };
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}
interface PolicySpec {
  policyTypes?: string[];
  ingress?: Array<{ from?: PolicyPeer[]; ports?: Array<{ port?: number | string }> }>;
}

function appliesToIngress(spec: PolicySpec): boolean {
  return !spec.policyTypes || spec.policyTypes.includes('Ingress');
}

type IngressRule = NonNullable<PolicySpec['ingress']>[number];

/** A rule without ports admits every port; a named port (a string) is assumed to be one of the service's. */
function admitsPort(rule: IngressRule, ports: Set<string>): boolean {
  return (
    !rule.ports?.length ||
    rule.ports.some((p) => p.port === undefined || typeof p.port === 'string' || ports.has(String(p.port)))
  );
}

function admits(
  spec: PolicySpec,
  policyNs: string,
  callerNs: string,
  labels: Record<string, string>,
  ports: Set<string>,
): boolean {
  return (spec.ingress ?? []).some((rule) => {
    if (!admitsPort(rule, ports)) return false;
    if (!rule.from?.length) return true;
    return rule.from.some((peer) => {
      if (peer.ipBlock) return true; // addresses outside the model: assume they may admit
      const nsOk = peer.namespaceSelector
        ? namespaceMatches(peer.namespaceSelector, callerNs)
        : callerNs === policyNs;
      if (!nsOk) return false;
      return (
        !peer.podSelector || isEmptySelector(peer.podSelector) || selectorMatches(peer.podSelector, labels)
      );
    });
  });
}

/** Clients from outside the namespace: any rule with no peers, an address block or another namespace admits them. */
function admitsOutside(spec: PolicySpec, policyNs: string, ports: Set<string>): boolean {
  return (spec.ingress ?? []).some((rule) => {
    if (!admitsPort(rule, ports)) return false;
    if (!rule.from?.length) return true;
    return rule.from.some(
      (peer) =>
        !!peer.ipBlock ||
        (!!peer.namespaceSelector &&
          (isEmptySelector(peer.namespaceSelector) || !onlyNamespace(peer.namespaceSelector, policyNs))),
    );
  });
}

/** Whether a namespace selector can select no namespace but `ns` (only the name label is known). */
function onlyNamespace(selector: LabelSelector, ns: string): boolean {
  const labels = selector.matchLabels ?? {};
  return (
    !(selector.matchExpressions ?? []).length &&
    Object.keys(labels).length === 1 &&
    labels[NS_NAME_LABEL] === ns
  );
}

/** Only the name label is known; a selector on other namespace labels may admit anything (unknown: admit). */
function namespaceMatches(selector: LabelSelector, ns: string): boolean {
  const keys = [
    ...Object.keys(selector.matchLabels ?? {}),
    ...(selector.matchExpressions ?? []).map((e) => e.key),
  ];
  if (keys.some((k) => k !== NS_NAME_LABEL)) return true;
  return selectorMatches(selector, { [NS_NAME_LABEL]: ns });
}

/**
 * Who calls a workload: the workloads with a call edge to a Service that selects it; where none is known and the
 * namespace's calls are hidden (open), the other workloads of the namespace are presumed to, believed as much as
 * the namespace is open (as presumed links are, cause-ranker.ts). The namespace's workloads come from an index
 * read once per graph version (namespace-workloads.ts), so a query costs the namespace, not the graph, per candidate.
 */
export function callersOf(graph: DependencyGraph, workload: string): { callers: string[]; belief: number } {
  const none = { callers: [], belief: 0 };
  const services = graph.dependents(workload).filter((d) => d.relation === 'selects');
  if (services.length === 0) return none;
  const known = new Set<string>();
  for (const s of services)
    for (const d of graph.dependents(s.node)) if (d.call && d.node !== workload) known.add(d.node);
  if (known.size) return { callers: [...known].sort(), belief: 1 };
  const [cluster, , ns] = workload.split('/');
  const openness = graph.namespaceOpenness(cluster, ns);
  if (!(openness > 0)) return none;
  const callers = namespaceWorkloads(graph, cluster, ns).filter((id) => id !== workload);
  return { callers, belief: openness };
}

function servedPorts(graph: DependencyGraph, workload: string): Set<string> {
  const out = new Set<string>();
  for (const s of graph.dependents(workload)) {
    if (s.relation !== 'selects') continue;
    const spec = (
      graph.object(s.node) as { spec?: { ports?: Array<{ port?: unknown; targetPort?: unknown }> } }
    )?.spec;
    for (const p of spec?.ports ?? []) out.add(String(p.targetPort ?? p.port));
  }
  return out;
}

function podLabels(o: Record<string, unknown> | undefined): Record<string, string> {
  const spec = o?.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
  return spec?.template?.metadata?.labels ?? {};
}
