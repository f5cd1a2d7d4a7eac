import {
  CALLS_ANNOTATION,
  keyedValuesIn,
  parseCallsAnnotation,
  serviceReferencesIn,
  type ServiceReference,
} from './address-references.js';
import { isEmptySelector, selectorMatches, type LabelSelector } from './label-selector.js';
import { nodeId, TOP_WORKLOAD_KINDS, type GraphRef } from './node-id.js';
import { podSpecReferences, type PodSpecReferences } from './pod-spec-references.js';
import type { Relation } from './relations.js';

type Json = Record<string, unknown>;

export interface StoredObject {
  ref: GraphRef;
  object: Json;
}

export type EdgeSink = (from: string, to: GraphRef, relation: Relation) => void;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

interface NamespaceIndex {
  services: Map<string, StoredObject>;
  configMaps: Map<string, StoredObject>;
  /** Workloads that own their pods (no controlling owner themselves), with their pod template labels. */
  workloads: Array<{ stored: StoredObject; labels: Record<string, string> }>;
  unownedPods: StoredObject[];
  /** How many workloads consume each ConfigMap. */
  configConsumers: Map<string, number>;
}

/**
 * A ConfigMap mounted by more workloads than this is shared configuration (DeathStarBench's service-config lists
 * every service): its addresses say what exists, not who calls whom, so they make no call edges.
 */
const SHARED_CONFIG_CONSUMERS = 2;

function controllerOwner(o: Json): { kind: string; name: string } | undefined {
  const refs = obj(o.metadata).ownerReferences;
  if (!Array.isArray(refs)) return undefined;
  const owner = (refs as Json[]).find((r) => r?.controller === true) ?? (refs as Json[])[0];
  return owner && typeof owner.kind === 'string' && typeof owner.name === 'string'
    ? { kind: owner.kind, name: owner.name }
    : undefined;
}

/** Finds a Service by cluster, namespace and name; `undefined` when it does not exist (yet). */
export type ServiceLookup = (
  cluster: string,
  namespace: string | null,
  name: string,
) => StoredObject | undefined;

function newNamespaceIndex(): NamespaceIndex {
  return {
    services: new Map(),
    configMaps: new Map(),
    workloads: [],
    unownedPods: [],
    configConsumers: new Map(),
  };
}

/** Indexes one namespace's objects (given in graph order) for edge inference. */
function indexNamespace(
  objects: readonly StoredObject[],
  index: NamespaceIndex,
  specRefs: Map<StoredObject, PodSpecReferences>,
): void {
  for (const s of objects) {
    const { kind, name } = s.ref;
    if (kind === 'Service') index.services.set(name, s);
    else if (kind === 'ConfigMap') index.configMaps.set(name, s);
    const refs = podSpecReferences(kind, s.object);
    if (!refs) continue;
    specRefs.set(s, refs);
    const owned = controllerOwner(s.object) !== undefined;
    if (!owned)
      for (const cm of refs.configMaps)
        index.configConsumers.set(cm, (index.configConsumers.get(cm) ?? 0) + 1);
    if (kind === 'Pod' && !owned) index.unownedPods.push(s);
    else if (TOP_WORKLOAD_KINDS.includes(kind) && !owned)
      index.workloads.push({ stored: s, labels: refs.templateLabels ?? {} });
  }
}

/**
 * Derives the dependency edges of a set of objects (one cluster) from their manifests alone: ownership,
 * selectors, mounted and referenced configuration, scale targets, network policies, and calls found as
 * addresses in env values, arguments and consumed ConfigMaps, plus the explicit `incident-assistant.io/calls`
 * annotation. Where manifests say nothing, names are a weak hint: a workload whose credentials are named after
 * another Service (`carts-db-credentials`) or whose name prefixes one (`orders` -> `orders-db`) probably calls it.
 */
export function inferEdges(objects: readonly StoredObject[], emit: EdgeSink): void {
  const byNamespace = new Map<string, StoredObject[]>();
  for (const s of objects) {
    const k = `${s.ref.cluster}/${s.ref.namespace ?? '_'}`;
    if (!byNamespace.has(k)) byNamespace.set(k, []);
    byNamespace.get(k)!.push(s);
  }
  const services = new Map<string, Map<string, StoredObject>>();
  for (const [k, list] of byNamespace)
    services.set(k, new Map(list.filter((s) => s.ref.kind === 'Service').map((s) => [s.ref.name, s])));
  const lookup: ServiceLookup = (cluster, ns, name) => services.get(`${cluster}/${ns ?? '_'}`)?.get(name);
  // Every edge starts in the namespace of the object it is read from, so namespaces can be derived one by one.
  for (const list of byNamespace.values()) inferNamespaceEdges(list, lookup, emit);
}

/**
 * The edges that start in one namespace: derived from that namespace's objects (in graph order) and, for
 * addresses naming another namespace, from the Services there (`lookup`). `onForeignNamespace` hears every other
 * namespace an address names, found or not, so that the caller can re-derive this namespace when Services appear
 * or disappear there.
 */
export function inferNamespaceEdges(
  objects: readonly StoredObject[],
  lookup: ServiceLookup,
  emit: EdgeSink,
  onForeignNamespace?: (cluster: string, namespace: string | null) => void,
): void {
  const i = newNamespaceIndex();
  const specRefs = new Map<StoredObject, PodSpecReferences>();
  indexNamespace(objects, i, specRefs);

  const resolveService = (from: StoredObject, ref: ServiceReference): GraphRef | undefined => {
    const ns = ref.namespace ?? from.ref.namespace;
    if (ns === from.ref.namespace) return i.services.get(ref.name)?.ref;
    onForeignNamespace?.(from.ref.cluster, ns);
    return lookup(from.ref.cluster, ns, ref.name)?.ref;
  };

  for (const s of objects) {
    const id = nodeId(s.ref);
    const { cluster, namespace, kind } = s.ref;
    const owner = controllerOwner(s.object);
    if (owner && kind !== 'Event')
      emit(id, { cluster, kind: owner.kind, namespace, name: owner.name }, 'owned-by');

    const refs = specRefs.get(s);
    if (refs) {
      if (kind === 'Pod' && refs.nodeName)
        emit(id, { cluster, kind: 'Node', namespace: null, name: refs.nodeName }, 'runs-on');
      // Pods and ReplicaSets of a controller inherit its dependencies through owned-by; only owners carry them.
      if (!owner) workloadEdges(s, id, refs, i, resolveService, emit);
    }

    const spec = obj(s.object.spec);
    if (kind === 'Service') {
      const selector = obj(spec.selector) as Record<string, string>;
      if (Object.keys(selector).length === 0) continue;
      for (const w of i.workloads)
        if (selectorMatches({ matchLabels: selector }, w.labels)) emit(id, w.stored.ref, 'selects');
      for (const p of i.unownedPods)
        if (
          selectorMatches(
            { matchLabels: selector },
            obj(obj(p.object.metadata).labels) as Record<string, string>,
          )
        )
          emit(id, p.ref, 'selects');
    } else if (kind === 'HorizontalPodAutoscaler') {
      const target = obj(spec.scaleTargetRef);
      if (typeof target.kind === 'string' && typeof target.name === 'string') {
        emit(nodeId({ cluster, kind: target.kind, namespace, name: target.name }), s.ref, 'scaled-by');
      }
    } else if (kind === 'NetworkPolicy') {
      const selector = obj(spec.podSelector) as LabelSelector;
      for (const w of i.workloads)
        if (isEmptySelector(selector) || selectorMatches(selector, w.labels))
          emit(nodeId(w.stored.ref), s.ref, 'restricted-by');
    } else if (kind === 'Ingress') {
      for (const name of ingressBackends(spec)) {
        const svc = i.services.get(name);
        if (svc) emit(id, svc.ref, 'routes-to');
      }
    }
  }
}

function workloadEdges(
  s: StoredObject,
  id: string,
  refs: PodSpecReferences,
  i: NamespaceIndex,
  resolveService: (from: StoredObject, ref: ServiceReference) => GraphRef | undefined,
  emit: EdgeSink,
): void {
  const { cluster, namespace, name: self } = s.ref;
  const at = (kind: string, name: string): GraphRef => ({ cluster, kind, namespace, name });
  for (const cm of refs.configMaps) emit(id, at('ConfigMap', cm), 'consumes-config');
  for (const secret of refs.secrets) emit(id, at('Secret', secret), 'consumes-secret');
  for (const claim of refs.claims) emit(id, at('PersistentVolumeClaim', claim), 'uses-volume');
  if (refs.serviceAccount) emit(id, at('ServiceAccount', refs.serviceAccount), 'uses-service-account');

  const ownServices = new Set(
    [...i.services.values()].filter((svc) => svc.ref.name === self).map((svc) => svc.ref.name),
  );
  const callTo = (ref: ServiceReference, relation: Relation) => {
    const target = resolveService(s, ref);
    if (target && !(target.namespace === namespace && ownServices.has(target.name)))
      emit(id, target, relation);
  };
  for (const [key, value] of refs.env)
    for (const ref of serviceReferencesIn(value, key)) callTo(ref, 'calls');
  for (const cm of refs.configMaps) {
    if ((i.configConsumers.get(cm) ?? 0) > SHARED_CONFIG_CONSUMERS) continue;
    const data = obj(i.configMaps.get(cm)?.object.data);
    for (const [key, value] of Object.entries(data)) {
      if (typeof value !== 'string') continue;
      for (const [k, v] of keyedValuesIn(key, value))
        for (const ref of serviceReferencesIn(v, k)) callTo(ref, 'calls');
    }
  }
  const annotations = {
    ...(obj(obj(s.object.metadata).annotations) as Record<string, string>),
    ...(refs.templateAnnotations ?? {}),
  };
  if (typeof annotations[CALLS_ANNOTATION] === 'string') {
    for (const ref of parseCallsAnnotation(annotations[CALLS_ANNOTATION])) callTo(ref, 'calls-annotated');
  }
  // Names as a last resort: the longest Service name that prefixes a consumed Secret/ConfigMap, or this workload's
  // own name followed by a dash (orders -> orders-db), is probably a backing service this workload talks to.
  const serviceNames = [...i.services.keys()].sort((a, b) => b.length - a.length);
  for (const configName of [...refs.secrets, ...refs.configMaps]) {
    const svc = serviceNames.find((n) => configName.startsWith(`${n}-`));
    if (svc && svc !== self) callTo({ name: svc }, 'calls-by-name');
  }
  for (const n of serviceNames) if (n.startsWith(`${self}-`)) callTo({ name: n }, 'calls-by-name');
}

function ingressBackends(spec: Json): string[] {
  const names: string[] = [];
  const add = (backend: unknown) => {
    const name = obj(obj(backend).service).name ?? obj(backend).serviceName;
    if (typeof name === 'string') names.push(name);
  };
  add(spec.defaultBackend ?? spec.backend);
  for (const rule of Array.isArray(spec.rules) ? (spec.rules as Json[]) : []) {
    for (const p of Array.isArray(obj(rule.http).paths) ? (obj(rule.http).paths as Json[]) : [])
      add(p.backend);
  }
  return names;
}
