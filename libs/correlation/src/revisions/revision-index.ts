/**
 * Which pods belong to which rollout. A Deployment's revisions are its ReplicaSets (one per pod template, named
 * `<deployment>-<pod-template-hash>`), and every pod belongs to one ReplicaSet (`<replicaSet>-<suffix>`), so a
 * pod's symptoms belong to the revision its ReplicaSet runs, and that revision to the change that made it.
 *
 * Built from the object states the engine is fed. Those are normalized (no status, no revision annotation): a
 * ReplicaSet becomes current when it is created, or scaled up from zero (a rollback revives an old one); a pod
 * is ready from the state in which the differ's status digest first says so. Pods are kept for two hours after they went away: the metrics of a
 * rollout name pods that no longer exist.
 */
export interface ReplicaSetRecord {
  cluster: string;
  namespace: string;
  name: string;
  /** The owning Deployment's name. */
  deployment?: string;
  replicas: number;
  /** When it last started running pods: its creation, or a scale-up from zero (a rollback). */
  activatedAt: number;
}

export interface PodRecord {
  cluster: string;
  namespace: string;
  name: string;
  replicaSet?: string;
  firstSeenAt: number;
  /** When it was first seen ready since it last was not (while it is ready). */
  readyAt?: number;
  /** When it was first seen ready at all (kept when it later stops being ready). */
  firstReadyAt?: number;
  goneAt?: number;
}

const RETAIN_MS = 2 * 3_600_000;
const POD_SUFFIX = /^(.+)-[a-z0-9]{5}$/;

interface Ref {
  cluster: string;
  kind: string;
  namespace: string | null;
  name: string;
}

type Obj = Record<string, unknown> & {
  metadata?: { creationTimestamp?: string; ownerReferences?: Array<{ kind?: string; name?: string }> };
  spec?: { replicas?: number };
};

const key = (cluster: string, namespace: string | null, name: string) =>
  `${cluster}/${namespace ?? '_'}/${name}`;

export class RevisionIndex {
  /** Moves whenever a ReplicaSet is seen: what was looked up before may have changed. */
  version = 0;
  private readonly replicaSets = new Map<string, ReplicaSetRecord>();
  private readonly byDeployment = new Map<string, Set<string>>();
  private readonly pods = new Map<string, PodRecord>();
  private readonly podsByReplicaSet = new Map<string, Set<string>>();

  /** An object state (`statusDigest` is the differ's digest of its status). */
  apply(ref: Ref, object: Obj, statusDigest: Record<string, unknown> | undefined, observedAt: number): void {
    if (ref.kind === 'ReplicaSet') this.applyReplicaSet(ref, object, observedAt);
    else if (ref.kind === 'Pod') this.applyPod(ref, object, statusDigest, observedAt);
  }

  /** The object is gone (a tombstone); pods are kept a while for the metrics that still name them. */
  remove(ref: Ref, observedAt: number): void {
    if (ref.kind !== 'Pod') return;
    const p = this.pods.get(key(ref.cluster, ref.namespace, ref.name));
    if (p && p.goneAt === undefined) p.goneAt = observedAt;
  }

  private applyReplicaSet(ref: Ref, object: Obj, observedAt: number): void {
    this.version++;
    const k = key(ref.cluster, ref.namespace, ref.name);
    const owner = object.metadata?.ownerReferences?.find((o) => o.kind === 'Deployment')?.name;
    const replicas = typeof object.spec?.replicas === 'number' ? object.spec.replicas : 1;
    const before = this.replicaSets.get(k);
    // Its creation when known (states may reach us coalesced: created, scaled up and down within one batch),
    // else when first seen; later, a scale-up from zero (a rollback reviving it).
    const created = Date.parse(object.metadata?.creationTimestamp ?? '');
    const activatedAt =
      before === undefined
        ? Number.isNaN(created)
          ? observedAt
          : created
        : before.replicas === 0 && replicas > 0
          ? observedAt
          : before.activatedAt;
    this.replicaSets.set(k, {
      cluster: ref.cluster,
      namespace: ref.namespace ?? '',
      name: ref.name,
      deployment: owner,
      replicas,
      activatedAt,
    });
    if (owner) {
      const d = key(ref.cluster, ref.namespace, owner);
      if (!this.byDeployment.has(d)) this.byDeployment.set(d, new Set());
      this.byDeployment.get(d)!.add(k);
    }
  }

  private applyPod(
    ref: Ref,
    object: Obj,
    digest: Record<string, unknown> | undefined,
    observedAt: number,
  ): void {
    const k = key(ref.cluster, ref.namespace, ref.name);
    const rs = object.metadata?.ownerReferences?.find((o) => o.kind === 'ReplicaSet')?.name;
    const prev = this.pods.get(k);
    const ready = digest?.ready === 'True';
    this.pods.set(k, {
      cluster: ref.cluster,
      namespace: ref.namespace ?? '',
      name: ref.name,
      replicaSet: rs,
      firstSeenAt: prev?.firstSeenAt ?? observedAt,
      readyAt: ready ? (prev?.readyAt ?? observedAt) : undefined,
      firstReadyAt: prev?.firstReadyAt ?? (ready ? observedAt : undefined),
      goneAt: undefined,
    });
    if (rs) {
      const r = key(ref.cluster, ref.namespace, rs);
      if (!this.podsByReplicaSet.has(r)) this.podsByReplicaSet.set(r, new Set());
      this.podsByReplicaSet.get(r)!.add(k);
    }
  }

  /** The ReplicaSet of a pod: its owner when the pod was seen, else the name Kubernetes generated for it. */
  replicaSetOf(cluster: string, namespace: string | null, pod: string): string | undefined {
    return this.pods.get(key(cluster, namespace, pod))?.replicaSet ?? POD_SUFFIX.exec(pod)?.[1];
  }

  pod(cluster: string, namespace: string | null, name: string): PodRecord | undefined {
    return this.pods.get(key(cluster, namespace, name));
  }

  podsOf(cluster: string, namespace: string | null, replicaSet: string): PodRecord[] {
    const names = this.podsByReplicaSet.get(key(cluster, namespace, replicaSet)) ?? new Set<string>();
    return [...names].map((n) => this.pods.get(n)).filter((p): p is PodRecord => p !== undefined);
  }

  /**
   * The revision a change of a Deployment's pod template made: the first of its ReplicaSets that became current at
   * or after the change (2 s of tolerance: Kubernetes times have second precision) and before `until` (the next
   * change of the template, which makes a revision of its own).
   */
  revisionAfter(
    cluster: string,
    namespace: string | null,
    deployment: string,
    t: number,
    until = Infinity,
  ): ReplicaSetRecord | undefined {
    let best: ReplicaSetRecord | undefined;
    for (const rs of this.replicaSetsOf(cluster, namespace, deployment)) {
      if (rs.activatedAt < t - 2_000 || rs.activatedAt >= until) continue;
      if (
        !best ||
        rs.activatedAt < best.activatedAt ||
        (rs.activatedAt === best.activatedAt && rs.name < best.name)
      )
        best = rs;
    }
    return best;
  }

  /** The revision a Deployment was rolling out at `t`: its ReplicaSet that became current last before then. */
  currentAt(
    cluster: string,
    namespace: string | null,
    deployment: string,
    t: number,
  ): ReplicaSetRecord | undefined {
    let best: ReplicaSetRecord | undefined;
    for (const rs of this.replicaSetsOf(cluster, namespace, deployment))
      if (rs.activatedAt <= t + 2_000 && (!best || rs.activatedAt > best.activatedAt)) best = rs;
    return best;
  }

  /** When the Deployment's ReplicaSets became current, ascending: the moments its pods (re)started. */
  activations(cluster: string, namespace: string | null, deployment: string): number[] {
    return this.replicaSetsOf(cluster, namespace, deployment)
      .map((rs) => rs.activatedAt)
      .sort((a, b) => a - b);
  }

  private replicaSetsOf(cluster: string, namespace: string | null, deployment: string): ReplicaSetRecord[] {
    return [...(this.byDeployment.get(key(cluster, namespace, deployment)) ?? [])]
      .map((k) => this.replicaSets.get(k))
      .filter((rs): rs is ReplicaSetRecord => rs !== undefined);
  }

  evictBefore(t: number): void {
    for (const [k, p] of this.pods) {
      if (p.goneAt === undefined || p.goneAt >= t - RETAIN_MS) continue;
      this.pods.delete(k);
      if (p.replicaSet)
        this.podsByReplicaSet.get(key(p.cluster, p.namespace || null, p.replicaSet))?.delete(k);
    }
  }
}
