// The applications' physics: what a container does given what it was started with. A fault never says "this pod
// crashes"; it changes something (an image tag, a limit, a probe path, a value in a ConfigMap or Secret) and the
// consequence follows from these rules, the same for a decoy as for the cause:
//
// - an image the registry does not have cannot be pulled; a release image (registry entry) may serve errors, be
//   slower, use more CPU, or exit at start-up;
// - a memory limit below the start-up footprint is OOM-killed while starting (before it is ready); below the
//   working set under load, it is killed after minutes of serving, sooner under more load;
// - a readiness probe on a path the application does not serve answers 404 for ever;
// - configuration is read when the container starts (env, envFrom, subPath mounts, files copied by an init
//   container, or files the application reads once): the data of the ConfigMap/Secret at the pod's start decides,
//   through the consumer's own check of it (topology `consumes[].check`).
import { SEC } from './engine.mjs';

const RUNTIME = {
  go: { startMs: [300, 1800], stopMs: [50, 600], sigtermExit: 0 },
  rust: { startMs: [100, 700], stopMs: [30, 300], sigtermExit: 0 },
  cpp: { startMs: [150, 900], stopMs: [30, 300], sigtermExit: 0 },
  java: { startMs: [14_000, 42_000], stopMs: [800, 4000], sigtermExit: 143 },
  dotnet: { startMs: [1500, 4500], stopMs: [300, 2000], sigtermExit: 0 },
  node: { startMs: [700, 2500], stopMs: [50, 400], sigtermExit: 0 },
  python: { startMs: [1500, 5000], stopMs: [200, 2500], sigtermExit: 0 },
  ruby: { startMs: [2000, 5000], stopMs: [200, 1500], sigtermExit: 0 },
  php: { startMs: [800, 2500], stopMs: [100, 900], sigtermExit: 0 },
  nginx: { startMs: [150, 700], stopMs: [100, 1200], sigtermExit: 0 },
  envoy: { startMs: [600, 2000], stopMs: [1000, 5000], sigtermExit: 0 },
  db: { startMs: [4000, 12_000], stopMs: [1500, 8000], sigtermExit: 0 },
  jvm_broker: { startMs: [12_000, 30_000], stopMs: [3000, 10_000], sigtermExit: 143 },
};

const memMi = (v) => {
  if (!v) return null;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|M|G)?$/.exec(String(v));
  if (!m) return null;
  const n = Number(m[1]);
  return { Ki: n / 1024, Mi: n, Gi: n * 1024, M: n * 0.954, G: n * 954 }[m[2]] ?? n / 1048576;
};
export { memMi };

/**
 * @param world { rng, registry: Map image -> release traits, config(kind, ns, name, t) -> data }
 * @returns (w, rs, pod, t) -> behaviour of the pod's main container
 */
export function behaviourFactory(world) {
  return (w, rs, pod, t) => {
    const { rng } = world;
    const def = w.def;
    const rt = RUNTIME[def.runtime] ?? RUNTIME.go;
    const c = rs.template.spec.containers[0];
    const b = {
      pull: 'ok',
      startMs: rng.int(...(def.model?.startMs ?? rt.startMs)),
      stopMs: rng.int(...rt.stopMs),
      sigtermExit: rt.sigtermExit,
      probeOk: true,
      crash: null,
      err: 0,
      latFactor: 1,
      latAddMs: 0,
      cpuFactor: 1,
      capFactor: 1,
      memBaseMi: (def.model?.memMi ?? 64) * rng.uniform(0.85, 1.1),
      memLimitMi: memMi(c.resources?.limits?.memory),
      causes: [],
      processName: def.model?.process,
    };
    // Release traits of the image (a tag the registry lacks cannot be pulled at all).
    const rel = world.registry.get(c.image);
    if (rel?.missing) {
      b.pull = 'missing';
      b.causes.push('image-missing');
    } else if (rel) applyEffect(b, rel, rng);
    // Memory: start-up footprint and working set under load against the limit.
    const start = def.model?.startMi ?? (def.model?.memMi ?? 64) * 0.6;
    const ws = b.memBaseMi;
    if (b.memLimitMi !== null && b.pull === 'ok') {
      if (b.memLimitMi < start * 0.97) {
        b.crash = {
          kind: 'oom',
          lifeMs: () => rng.int(Math.round(b.startMs * 0.25), Math.round(b.startMs * 0.9) + 800),
        };
        b.oomRamp = { fromMi: start * 0.4, toMi: b.memLimitMi, overMs: b.startMs * 0.6 };
        b.causes.push('oom-start');
      } else if (b.memLimitMi < ws * 1.02) {
        const headroom = Math.max(0.02, (b.memLimitMi - start) / Math.max(1, ws - start));
        const lo = Math.max(b.startMs + 15 * SEC, 30 * SEC * headroom * 3);
        b.crash = {
          kind: 'oom',
          lifeMs: () =>
            Math.round(b.startMs + rng.uniform(lo, lo * 4 + 180 * SEC) * headroom + rng.int(5, 40) * SEC),
        };
        b.oomRamp = { fromMi: start, toMi: b.memLimitMi, overMs: null };
        b.causes.push('oom-load');
      }
    }
    // Readiness probe on a path the application does not answer.
    const probe = c.readinessProbe;
    const paths = def.model?.healthPaths ?? [];
    if (probe?.httpGet && def.model?.protocol === 'grpc') {
      b.probeOk = false;
      b.probeMessage = `Readiness probe failed: Get "http://$POD_IP:${probe.httpGet.port}${probe.httpGet.path}": net/http: HTTP/1.x transport connection broken: malformed HTTP response "\\x00\\x00\\x06\\x04\\x00\\x00\\x00\\x00\\x00\\x00\\x05\\x00\\x00@\\x00"`;
      b.causes.push('probe-http-on-grpc');
    } else if (probe?.httpGet && paths.length && !paths.includes(probe.httpGet.path)) {
      b.probeOk = false;
      b.probeMessage = 'Readiness probe failed: HTTP probe failed with statuscode: 404';
      b.causes.push('probe-404');
    }
    // Configuration read at start-up.
    for (const use of [
      ...(def.consumes?.configMaps ?? []).map((u) => ({ ...u, kind: 'ConfigMap' })),
      ...(def.consumes?.secrets ?? []).map((u) => ({ ...u, kind: 'Secret' })),
    ]) {
      if (!use.check) continue;
      const data = world.config(use.kind, w.ns, use.name, t);
      const eff = data && use.check(data, world);
      if (eff) {
        applyEffect(b, eff, rng);
        b.causes.push(`${use.kind}:${use.name}`);
      }
    }
    if (def.model?.snapshot) b.snapshot = def.model.snapshot(world, w.ns, t);
    return b;
  };
}

/** A release or configuration effect on a container: errors, latency, CPU, or an exit at start-up. */
function applyEffect(b, eff, rng) {
  if (eff.err) b.err = 1 - (1 - b.err) * (1 - eff.err);
  if (eff.latFactor) b.latFactor *= eff.latFactor;
  if (eff.latAddMs) b.latAddMs += eff.latAddMs;
  if (eff.cpuFactor) b.cpuFactor *= eff.cpuFactor;
  if (eff.memFactor) b.memBaseMi *= eff.memFactor;
  if (eff.crash) {
    // Exits shortly after starting (a configuration it cannot parse, a dependency it cannot reach at start-up).
    const [lo, hi] = eff.crash.afterMs ?? [400, 4000];
    b.crash = { kind: 'error', exitCode: eff.crash.exitCode ?? 1, lifeMs: () => rng.int(lo, hi) };
    b.startMs = Math.max(b.startMs, hi + 1000);
  }
  if (eff.unready) {
    b.probeOk = false;
    b.probeMessage = eff.unready;
  }
}
