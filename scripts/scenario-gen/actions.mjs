// What happens in the cluster after a write: a Deployment rollout (new ReplicaSet, pods created, scheduled,
// started, old pods killed), HPA moves, and the pod-level behaviour of a broken workload (crash loops, OOM kills,
// image pull failures, failing readiness probes, scale to zero). Timings follow the public recordings: a healthy
// rollout of one replica takes 5-25 s; crash-loop back-off doubles from 10 s up to 5 min.
import { clone, isoSec, key } from './cluster.mjs';

/** Applies `mutate` to a Deployment's spec as `manager` and rolls it out (if the pod template changed). */
export function changeDeployment(c, t, ns, name, mutate, manager, { healthy = true } = {}) {
  const d = c.get('Deployment', ns, name);
  const before = JSON.stringify(d.spec.template);
  mutate(d.spec, d);
  d.metadata.generation += 1;
  const templateChanged = JSON.stringify(d.spec.template) !== before;
  c.touch(
    d,
    manager,
    t,
    { 'f:spec': { 'f:template': {} } },
    manager === 'kubectl-scale' || manager === 'horizontal-pod-autoscaler' ? 'scale' : undefined,
  );
  c.write(t, 'MODIFIED', d);
  if (!templateChanged) return scaleTo(c, t, ns, name, d.spec.replicas);
  return rollout(c, t, ns, name, healthy);
}

/** A rolling update: new ReplicaSet and pods; the old pods go only once the new ones are ready. */
export function rollout(c, t, ns, name, healthy) {
  const d = c.get('Deployment', ns, name);
  const state = c.pods.get(key('Deployment', ns, name));
  const hash = c.rng.chars(c.rng.int(9, 10));
  const replicas = d.spec.replicas;
  let now = t + c.rng.int(20, 60);
  c.event(
    now,
    ns,
    { kind: 'Deployment', name },
    'ScalingReplicaSet',
    `Scaled up replica set ${name}-${hash} to ${replicas}`,
    'Normal',
    'deployment-controller',
  );
  c.write(now, 'ADDED', c.replicaSet(d, hash, replicas));
  const fresh = [];
  for (let i = 0; i < Math.max(1, replicas); i++) {
    if (replicas === 0) break;
    const p = c.pod(d, hash, now, false);
    c.write(now, 'ADDED', p);
    c.event(
      now + 20,
      ns,
      { kind: 'Pod', name: p.metadata.name },
      'Scheduled',
      `Successfully assigned ${ns}/${p.metadata.name} to ${p.spec.nodeName}`,
      'Normal',
      'default-scheduler',
    );
    fresh.push(p.metadata.name);
  }
  now += c.rng.int(1_500, 4_000);
  for (const p of fresh) {
    c.event(
      now,
      ns,
      { kind: 'Pod', name: p },
      'Pulled',
      `Container image "${d.spec.template.spec.containers[0].image}" already present on machine`,
    );
    c.event(
      now,
      ns,
      { kind: 'Pod', name: p },
      'Started',
      `Started container ${d.spec.template.spec.containers[0].name}`,
    );
    setPod(c, now, ns, p, 'running', 0);
  }
  const rolledAt = now + c.rng.int(3_000, 15_000);
  if (healthy) {
    for (const p of fresh) setPod(c, rolledAt, ns, p, 'ready', 0);
    for (const old of state?.pods ?? []) killPod(c, rolledAt + c.rng.int(100, 2_000), ns, old, name);
    c.pods.set(key('Deployment', ns, name), { hash, pods: fresh });
    setDeploymentStatus(c, rolledAt + 500, ns, name, replicas, replicas);
  } else {
    // The new pods never become ready; the old ones stay (maxUnavailable keeps them) unless maxSurge is spent.
    c.pods.set(key('Deployment', ns, name), { hash, pods: fresh, old: state?.pods ?? [] });
  }
  return fresh;
}

export function setPod(c, t, ns, podName, state, restarts, last) {
  const p = c.get('Pod', ns, podName);
  if (!p?.metadata) return;
  p.status = c.podStatus(p.spec, state, t, restarts, last);
  c.touch(p, 'kubelet', t, { 'f:status': {} }, 'status');
  c.write(t, 'MODIFIED', p);
}

export function killPod(c, t, ns, podName, deployment) {
  const p = c.get('Pod', ns, podName);
  if (!p?.metadata) return;
  c.event(t, ns, { kind: 'Pod', name: podName }, 'Killing', `Stopping container ${deployment}`);
  p.status = c.podStatus(p.spec, 'running', t, p.status.containerStatuses?.[0]?.restartCount ?? 0);
  p.status.containerStatuses.forEach(
    (s) => (
      (s.ready = false),
      (s.state = { terminated: { reason: 'Completed', exitCode: 0, finishedAt: isoSec(t) } })
    ),
  );
  c.write(t + c.rng.int(1_000, 5_000), 'DELETED', p);
}

export function setDeploymentStatus(c, t, ns, name, replicas, ready) {
  const d = c.get('Deployment', ns, name);
  c.statusOf(d, replicas, ready, t);
  c.touch(d, 'kube-controller-manager', t, { 'f:status': {} }, 'status');
  c.write(t, 'MODIFIED', d);
}

/** Replicas moved without a template change (kubectl scale, HPA): pods added or removed. */
export function scaleTo(c, t, ns, name, replicas) {
  const state = c.pods.get(key('Deployment', ns, name)) ?? { hash: c.rng.chars(9), pods: [] };
  const d = c.get('Deployment', ns, name);
  const have = state.pods.length;
  c.event(
    t + 40,
    ns,
    { kind: 'Deployment', name },
    'ScalingReplicaSet',
    `Scaled ${replicas > have ? 'up' : 'down'} replica set ${name}-${state.hash} to ${replicas} from ${have}`,
    'Normal',
    'deployment-controller',
  );
  if (replicas > have) {
    for (let i = have; i < replicas; i++) {
      const p = c.pod(d, state.hash, t + 60, false);
      c.write(t + 60, 'ADDED', p);
      setPod(c, t + c.rng.int(5_000, 12_000), ns, p.metadata.name, 'ready', 0);
      state.pods.push(p.metadata.name);
    }
  } else {
    for (const p of state.pods.splice(replicas)) killPod(c, t + c.rng.int(50, 500), ns, p, name);
  }
  c.pods.set(key('Deployment', ns, name), state);
  setDeploymentStatus(c, t + c.rng.int(6_000, 13_000), ns, name, replicas, replicas);
  return [];
}

/** An HPA decides a new size: its status moves, it writes the Deployment's replicas, an Event says why. */
export function hpaMove(c, t, ns, name, to) {
  const h = c.get('HorizontalPodAutoscaler', ns, name);
  if (!h?.metadata) return;
  const d = c.get('Deployment', ns, name);
  if (d.spec.replicas === to || to === 0) return;
  h.status = { ...h.status, currentReplicas: d.spec.replicas, desiredReplicas: to, lastScaleTime: isoSec(t) };
  c.touch(h, 'kube-controller-manager', t, { 'f:status': {} }, 'status');
  c.write(t, 'MODIFIED', h);
  c.event(
    t,
    ns,
    { kind: 'HorizontalPodAutoscaler', name },
    'SuccessfulRescale',
    `New size: ${to}; reason: cpu resource utilization (percentage of request) ${to > d.spec.replicas ? 'above' : 'below'} target`,
    'Normal',
    'horizontal-pod-autoscaler',
  );
  changeDeployment(c, t, ns, name, (s) => (s.replicas = to), 'horizontal-pod-autoscaler');
}

/**
 * The broken workload's own pods from `from` to `until`: `crash` (exit 1), `oom` (OOMKilled, with the node's
 * OOMKilling event), `pull` (ErrImagePull then ImagePullBackOff), `unready` (running, readiness probe failing).
 */
export function podFault(c, from, until, ns, name, mode) {
  const state = c.pods.get(key('Deployment', ns, name));
  if (!state) return;
  const d = c.get('Deployment', ns, name);
  for (const p of state.pods) {
    let t = from + c.rng.int(0, 8_000);
    let restarts = 0;
    let backoff = 10_000;
    if (mode === 'unready') {
      for (; t < until; t += c.rng.int(25_000, 60_000))
        c.event(
          t,
          ns,
          { kind: 'Pod', name: p },
          'Unhealthy',
          'Readiness probe failed: HTTP probe failed with statuscode: 503',
          'Warning',
        );
      continue;
    }
    if (mode === 'pull') {
      setPod(c, t, ns, p, 'waiting:ErrImagePull', 0);
      c.event(
        t,
        ns,
        { kind: 'Pod', name: p },
        'Failed',
        `Failed to pull image "${d.spec.template.spec.containers[0].image}": not found`,
        'Warning',
      );
      for (t += 15_000; t < until; t += backoff, backoff = Math.min(backoff * 2, 300_000)) {
        setPod(c, t, ns, p, 'waiting:ImagePullBackOff', 0);
        c.event(
          t,
          ns,
          { kind: 'Pod', name: p },
          'BackOff',
          `Back-off pulling image "${d.spec.template.spec.containers[0].image}"`,
          'Warning',
        );
      }
      continue;
    }
    const reason = mode === 'oom' ? 'OOMKilled' : 'Error';
    for (; t < until; backoff = Math.min(backoff * 2, 300_000)) {
      if (mode === 'oom')
        c.event(
          t,
          'default',
          { kind: 'Node', name: c.get('Pod', ns, p).spec?.nodeName ?? c.nodes[0] },
          'OOMKilling',
          `Memory cgroup out of memory: Killed process ${c.rng.int(1000, 60000)} (${name})`,
          'Warning',
        );
      setPod(c, t, ns, p, 'waiting:CrashLoopBackOff', restarts, reason);
      c.event(
        t,
        ns,
        { kind: 'Pod', name: p },
        'BackOff',
        `Back-off restarting failed container ${name} in pod ${p}`,
        'Warning',
      );
      t += backoff;
      restarts += 1;
      if (t >= until) break;
      setPod(c, t, ns, p, 'running', restarts, reason);
      t += c.rng.int(3_000, 30_000);
    }
    // A one-off kill (routine noise) recovers: the container restarts and stays up.
    if (until - from < 60_000) setPod(c, t + c.rng.int(8_000, 20_000), ns, p, 'ready', restarts + 1, reason);
  }
  if (until - from < 60_000) return;
  const ready = mode === 'unready' || mode === 'pull' ? (state.old?.length ?? 0) : 0;
  if (mode !== 'unready' || !state.old?.length)
    setDeploymentStatus(c, from + c.rng.int(5_000, 20_000), ns, name, d.spec.replicas, ready);
}

export { clone };
