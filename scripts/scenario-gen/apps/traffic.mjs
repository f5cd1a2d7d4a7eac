// Requests through the application, every 30 s, from what the pods are doing at the time:
//
// - load enters at the sources (a load generator, an ingress controller, outside clients), varies slowly and
//   noisily, and flows down the real call graph (calls per request per edge, not the manifests' guesses);
// - a Service spreads its load over the pods that were serving (Ready, not terminating) during the interval;
//   a pod's own latency grows with its utilization (M/M/1: service time / (1 - rho)), and past saturation it sheds
//   requests; when a Service has no endpoints its callers' calls fail at once ("connection refused");
// - errors travel to callers only where the caller really fails with its callee (`mode: 'propagate'`); many
//   real callers degrade instead (Bookinfo's product page, OpenTelemetry demo's e-mail and Kafka calls,
//   feature-flag lookups), and then only the latency travels; timeouts turn slowness into errors;
// - short, ordinary blips: a pod with no readiness probe gets traffic before it listens (a JVM: tens of
//   seconds), a crashing pod loses its in-flight requests, a pod killed without draining refuses connections
//   until the endpoint change has propagated.
//
// What comes out is what a Prometheus would scrape from mesh or OpenTelemetry request metrics and cAdvisor:
// per pod and caller, requests, failures and mean latency with sampling noise; per pod, CPU and memory.
import { SEC } from './engine.mjs';

export const TICK = 30 * SEC;

/** Standard normal CDF (Abramowitz-Stegun 26.2.17). */
function phi(x) {
  const t = 1 / (1 + 0.2316419 * Math.abs(x));
  const d = 0.3989423 * Math.exp((-x * x) / 2);
  const p = d * t * (0.3193815 + t * (-0.3565638 + t * (1.781478 + t * (-1.821256 + t * 1.330274))));
  return x > 0 ? 1 - p : p;
}

export class Traffic {
  /**
   * @param world { rng, kube, services: Map 'ns/name' -> { ns, name, workloads: [w] }, sources: [{ from, to, share }],
   *                load(t) -> requests/s at the sources, dynamicEffect(w, t) -> effect|null }
   */
  constructor(world) {
    this.world = world;
    this.rng = world.nrng; // noise has its own stream
    this.history = []; // per tick: { t, pods: Map, services: Map, workloads: Map }
    this.learning = true; // normal latencies are learned until the suite says otherwise
    this.normalOwn = new Map();
    this.normalLat = new Map();
    this.order = this.topoOrder();
  }

  /** Services in dependency order (callees first), from the real call graph. */
  topoOrder() {
    const { services } = this.world;
    const seen = new Set();
    const out = [];
    const visit = (id) => {
      if (seen.has(id)) return;
      seen.add(id);
      for (const w of services.get(id)?.workloads ?? []) for (const c of w.calls) visit(c.to);
      out.push(id);
    };
    for (const id of services.keys()) visit(id);
    return out.filter((id) => services.has(id));
  }

  tick(t) {
    const { world } = this;
    const { services } = world;
    const rng = this.rng;
    const sec = TICK / 1000;
    // Serving time of every pod during the interval.
    const weights = new Map();
    const everyWorkload = [...world.kube.workloads.values(), ...(world.statics ?? [])];
    for (const w of everyWorkload)
      for (const rs of w.rss)
        for (const p of rs.pods) {
          if (p.goneAt && p.goneAt < t - TICK) continue;
          if (p.servingSince !== null) {
            p.served += t - p.servingSince;
            p.servingSince = t;
          }
          weights.set(p, p.served);
          p.served = 0;
        }
    // Load, top down: sources, then each Service's workloads' calls.
    const load = new Map([...services.keys()].map((id) => [id, new Map()])); // service -> caller -> rps
    const base = world.load(t);
    for (const s of world.sources) {
      const m = load.get(s.to);
      m.set(s.from ?? '', (m.get(s.from ?? '') ?? 0) + base * s.share);
    }
    const wLoad = new Map(); // workload -> rps into it
    const podsOf = (id) =>
      services
        .get(id)
        .workloads.flatMap((w) => w.rss.flatMap((rs) => rs.pods))
        .filter((p) => weights.get(p) > 0 || (p.terminatingAt > t - TICK && p.terminatingAt <= t));
    for (const id of [...this.order].reverse()) {
      const into = [...load.get(id).values()].reduce((a, b) => a + b, 0);
      const pods = podsOf(id);
      const total = pods.reduce((n, p) => n + (weights.get(p) ?? 0), 0);
      for (const w of services.get(id).workloads) {
        const wt = w.rss.flatMap((rs) => rs.pods).reduce((n, p) => n + (weights.get(p) ?? 0), 0);
        const share = total > 0 ? wt / total : 0;
        wLoad.set(w, (wLoad.get(w) ?? 0) + into * share);
        for (const c of w.calls) {
          const m = load.get(c.to);
          if (!m) continue;
          const from = w.name;
          m.set(from, (m.get(from) ?? 0) + into * share * c.perReq);
        }
      }
    }
    // Errors and latency, bottom up.
    // Each failure and each millisecond above normal is traced to the workload it comes from (a pod's own
    // errors, refusals and slowness are its own; a failed or slow call carries its callee's origins): that is
    // how the generator knows which alerts the fault caused, never how a product should find it.
    const seen = new Map(); // service -> what its callers see: err, lat, and where both come from
    const podOut = new Map();
    const svcOut = new Map();
    const learning = this.learning;
    const mix = (into, from, k) => {
      if (!from || k <= 0) return;
      for (const [w, f] of from) into.set(w, (into.get(w) ?? 0) + f * k);
    };
    const norm = (m) => {
      const tot = [...m.values()].reduce((a, b) => a + b, 0);
      if (tot <= 0) return null;
      return new Map([...m].map(([w, f]) => [w, f / tot]));
    };
    for (const id of this.order) {
      const svc = services.get(id);
      const callers = load.get(id);
      const into = [...callers.values()].reduce((a, b) => a + b, 0);
      const pods = podsOf(id);
      const total = pods.reduce((n, p) => n + (weights.get(p) ?? 0), 0);
      const concurrent = total / TICK;
      const zeroFrac = Math.max(0, 1 - Math.min(1, total / TICK));
      let n = 0;
      let fails = 0;
      let latSum = 0;
      const failOrigin = new Map();
      const exOrigin = new Map();
      for (const p of pods) {
        const w = p.w;
        const b = p.behaviour;
        const m = w.def.model;
        const wt = weights.get(p) ?? 0;
        const servingRps = concurrent > 0 ? into / concurrent : 0;
        const dyn = world.dynamicEffect(w, t, p);
        const cap = (m.capRps ?? 50) * b.capFactor;
        const rho = servingRps / cap;
        let own = (m.errBase ?? 0.0003) + b.err + (dyn?.err ?? 0);
        let ownLat = m.baseMs * b.latFactor * (dyn?.latFactor ?? 1);
        // Queueing (M/M/1) up to a full queue; past saturation the excess is shed (timeouts, 503s).
        if (rho >= 1) own = 1 - (1 - own) / rho;
        ownLat /= 1 - Math.min(rho, 0.995);
        ownLat += b.latAddMs + (dyn?.latAddMs ?? 0);
        own = Math.min(1, own);
        if (learning && wt > 0) this.normalOwn.set(w, ((this.normalOwn.get(w) ?? ownLat) * 4 + ownLat) / 5);
        let succ = 1 - own;
        let lat = ownLat;
        const weightsErr = [[-Math.log(Math.max(1e-9, 1 - own)), new Map([[w, 1]])]];
        const podEx = new Map([[w, Math.max(0, ownLat - (this.normalOwn.get(w) ?? ownLat))]]);
        for (const c of w.calls) {
          const callee = seen.get(c.to);
          if (!callee || c.perReq <= 0) continue;
          let e = callee.err;
          let l = callee.lat;
          let fto = 0;
          if (c.timeoutMs) {
            const sigma = 0.55;
            const mu = Math.log(Math.max(0.1, l)) - (sigma * sigma) / 2;
            fto = 1 - phi((Math.log(c.timeoutMs) - mu) / sigma);
            e = e + (1 - e) * fto;
            l = (1 - fto) * Math.min(l, c.timeoutMs) + fto * c.timeoutMs;
          }
          if (c.retries) {
            l = l * (1 + e * c.retries);
            e = e ** (1 + c.retries);
          }
          if (c.mode === 'propagate' && e > 0) {
            succ *= (1 - Math.min(1, e)) ** c.perReq;
            const o = new Map();
            mix(o, callee.errOrigin, callee.err);
            mix(o, callee.exOrigin ?? new Map(svc.workloads.map((x) => [x, 1])), (1 - callee.err) * fto);
            weightsErr.push([-c.perReq * Math.log(Math.max(1e-9, 1 - Math.min(1 - 1e-9, e))), norm(o)]);
          }
          if (c.mode !== 'async') {
            lat += c.perReq * l;
            const ex = c.perReq * Math.max(0, l - (this.normalLat.get(c.to) ?? l));
            if (ex > 0)
              mix(
                podEx,
                callee.exOrigin ??
                  new Map(
                    (services.get(c.to)?.workloads ?? []).map((x) => [
                      x,
                      1 / services.get(c.to).workloads.length,
                    ]),
                  ),
                ex,
              );
          }
        }
        const err = 1 - succ;
        // Requests this pod answered while serving, plus the ones it refused around its own transitions (no
        // readiness probe: in the endpoints before the process listens).
        let deaf = 0;
        if (wt > 0 && p.listenAt && p.noProbe)
          deaf = Math.min(wt, Math.max(0, Math.min(t, p.listenAt) - Math.max(t - TICK, p.readyAt ?? t)));
        const served = (servingRps * (wt - deaf)) / 1000;
        let refused = (servingRps * deaf) / 1000;
        if (p.crashesInTick) refused += servingRps * 1.2 * p.crashesInTick;
        if (p.terminatingAt > t - TICK && p.terminatingAt <= t && b.stopMs < 1500)
          refused += (servingRps * (1500 - b.stopMs)) / 1000 / Math.max(1, concurrent);
        p.crashesInTick = 0;
        const reqs = served + refused;
        if (reqs <= 0) continue;
        const failed = served * err + refused;
        const latMean = (served * lat + refused * 2) / reqs;
        n += reqs;
        fails += failed;
        latSum += reqs * latMean;
        const pFail = new Map([[w, refused]]);
        const wsum = weightsErr.reduce((a, [x]) => a + x, 0);
        if (wsum > 0) for (const [x, o] of weightsErr) mix(pFail, o, (served * err * x) / wsum);
        mix(failOrigin, pFail, 1);
        const pEx = new Map();
        mix(pEx, podEx, served / Math.max(1e-9, reqs));
        mix(exOrigin, pEx, reqs);
        // Per caller: observed with sampling noise, as a scrape of counters over the interval would give.
        const byCaller = new Map();
        for (const [from, rps] of callers) {
          if (rps <= 0) continue;
          const expected = (reqs * rps) / Math.max(1e-9, into);
          const cnt = poisson(rng, expected);
          if (cnt === 0) continue;
          const okP = 1 - failed / reqs;
          const ok = binomial(rng, cnt, okP);
          const noise = Math.exp(gauss(rng) * (0.06 + 0.5 / Math.sqrt(cnt)));
          const spike = rng.chance(0.01) ? rng.uniform(1.5, 3) : 1;
          byCaller.set(from, { n: cnt, ok, lat: latMean * noise * spike });
        }
        const scaleEx = new Map();
        mix(scaleEx, pEx, reqs);
        podOut.set(p, {
          byCaller,
          rps: reqs / sec,
          err: failed / reqs,
          lat: latMean,
          rho,
          failOrigin: pFail,
          exOrigin: scaleEx,
        });
      }
      // What callers see: the pods' mix, and outright refusals while no pod served (the Service's own doing).
      const eAvail = n > 0 ? fails / n : 1;
      const err = total > 0 ? zeroFrac + (1 - zeroFrac) * eAvail : 1;
      const lat = n > 0 ? latSum / n : 2;
      const errOrigin = new Map();
      mix(errOrigin, norm(failOrigin), total > 0 ? (1 - zeroFrac) * eAvail : 0);
      mix(
        errOrigin,
        new Map(svc.workloads.map((x) => [x, 1 / svc.workloads.length])),
        total > 0 ? zeroFrac : 1,
      );
      const seenLat = zeroFrac >= 1 ? 2 : lat * (1 - zeroFrac) + 2 * zeroFrac;
      if (learning && n > 0) this.normalLat.set(id, ((this.normalLat.get(id) ?? seenLat) * 4 + seenLat) / 5);
      seen.set(id, { err, lat: seenLat, errOrigin: norm(errOrigin), exOrigin: norm(exOrigin) });
      svcOut.set(id, { into, err, lat, zeroFrac, errOrigin: norm(errOrigin) });
    }
    // CPU and memory of every running main container.
    const res = new Map();
    for (const w of everyWorkload)
      for (const rs of w.rss)
        for (const p of rs.pods) {
          if (p.gone) continue;
          const cs = [...p.containers.values()].find((c) => c.main);
          if (!cs?.state?.running) continue;
          const m = w.def.model;
          const po = podOut.get(p);
          const rps = po?.rps ?? 0;
          const up = t - (cs.startedAt ?? t);
          const starting = up < (p.behaviour.startMs ?? 0) + 5000 ? (m.startCpu ?? 0.3) : 0;
          const cores =
            ((m.cpuIdle ?? 0.004) + rps * (m.cpuPerReq ?? 0.002) * p.behaviour.cpuFactor + starting) *
            Math.exp(gauss(rng) * 0.12);
          let mem =
            p.behaviour.memBaseMi *
            (1 + 0.04 * Math.sin((t - p.createdAt) / 900_000)) *
            Math.exp(gauss(rng) * 0.015);
          const ramp = p.behaviour.oomRamp;
          if (ramp) {
            const life = cs.plannedLife ?? ramp.overMs ?? 60_000;
            mem =
              ramp.fromMi +
              (ramp.toMi - ramp.fromMi) * Math.min(1, Math.pow(Math.max(0, up) / Math.max(1, life), 0.8));
          }
          // CFS quota: a container never uses more than its CPU limit (it is throttled instead).
          const limit = w.cpuLimitMilli ? w.cpuLimitMilli / 1000 : Infinity;
          res.set(p, { cores: Math.min(cores, limit * (0.97 + 0.03 * rng.next())), mem });
        }
    const h = { t, pods: podOut, services: svcOut, res, workloads: wLoad };
    this.history.push(h);
    if (this.history.length > 40) this.history.shift();
    return h;
  }

  /** CPU use of a workload's ready pods as a percentage of their request (what the HPA and metrics-server see). */
  utilization(w) {
    const h = this.history.at(-1);
    if (!h) return null;
    const req = w.cpuRequestMilli / 1000;
    const vals = [...h.res.entries()].filter(([p]) => p.w === w && p.ready).map(([, r]) => r.cores / req);
    if (!vals.length) return null;
    return (100 * vals.reduce((a, b) => a + b, 0)) / vals.length;
  }
}

export function gauss(rng) {
  let u = 0;
  while (u === 0) u = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

export function poisson(rng, lambda) {
  if (lambda <= 0) return 0;
  if (lambda > 40) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gauss(rng)));
  const L = Math.exp(-lambda);
  let k = 0;
  let p = 1;
  do {
    k++;
    p *= rng.next();
  } while (p > L);
  return k - 1;
}

export function binomial(rng, n, p) {
  if (p >= 1) return n;
  if (p <= 0) return 0;
  if (n > 60) {
    const v = Math.round(n * p + Math.sqrt(n * p * (1 - p)) * gauss(rng));
    return Math.max(0, Math.min(n, v));
  }
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.next() < p) k++;
  return k;
}
