/** Characters of a pod-template-hash and of a generated pod name suffix (Kubernetes' SafeEncodeString alphabet). */
const HASH = '[bcdfghjklmnpqrstvwxz2456789]';
const POD_OF_DEPLOYMENT = new RegExp(`^(.+)-${HASH}{6,10}-${HASH}{5}$`);
const REPLICASET_OF_DEPLOYMENT = new RegExp(`^(.+)-${HASH}{6,10}$`);

export interface WorkloadName {
  kind: string;
  name: string;
}

interface OwnerRef {
  kind?: string;
  name?: string;
  controller?: boolean;
}

export function controllerOwner(object: Record<string, unknown>): OwnerRef | undefined {
  const refs = (object.metadata as { ownerReferences?: OwnerRef[] } | undefined)?.ownerReferences;
  return Array.isArray(refs) ? refs.find((r) => r.controller === true) : undefined;
}

/**
 * The workload that owns an object, from the object alone: Pod -> ReplicaSet (ownerReferences) -> Deployment
 * (the ReplicaSet's name minus `-<pod-template-hash>`). Other controllers (StatefulSet, DaemonSet, Job) own
 * their pods directly.
 */
export function workloadOfObject(object: Record<string, unknown>, kind: string): WorkloadName | undefined {
  const md = (object.metadata ?? {}) as { name?: string; labels?: Record<string, string> };
  if (kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet')
    return md.name ? { kind, name: md.name } : undefined;
  const owner = controllerOwner(object);
  if (!owner?.kind || !owner.name) return undefined;
  if (owner.kind === 'ReplicaSet') {
    const hash = md.labels?.['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`))
      return { kind: 'Deployment', name: owner.name.slice(0, -(hash.length + 1)) };
    return { kind: 'ReplicaSet', name: owner.name };
  }
  return { kind: owner.kind, name: owner.name };
}

/** The workload behind a name alone (an Event's involvedObject): `<deploy>-<hash>-<suffix>` for Pods. */
export function workloadOfName(kind: string, name: string): WorkloadName | undefined {
  if (kind === 'Deployment' || kind === 'StatefulSet' || kind === 'DaemonSet') return { kind, name };
  const re =
    kind === 'Pod' ? POD_OF_DEPLOYMENT : kind === 'ReplicaSet' ? REPLICASET_OF_DEPLOYMENT : undefined;
  const m = re?.exec(name);
  return m ? { kind: 'Deployment', name: m[1] } : undefined;
}
