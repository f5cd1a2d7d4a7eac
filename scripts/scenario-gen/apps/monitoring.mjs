// Prometheus and Alertmanager as an on-call engineer's webhook receiver sees them.
//
// Alerts are not placed by hand: ordinary rules are evaluated every 30 s on what was scraped,
//   - request rules of the application's telemetry stack (Istio's reporter=source request metrics count the
//     "no healthy upstream" 503s of a Service without endpoints against that Service; OpenTelemetry span
//     metrics, Linkerd's inbound metrics and eBPF HTTP server metrics only see requests a server answered, so
//     a Service that is down shows up on its callers only), with the stack's own label style (`service`,
//     `deployment`, an ingress, a pod);
//   - kube-prometheus' kube-state-metrics rules (KubePodCrashLooping with `pod`/`container`, KubePodNotReady with
//     `pod` for Pending pods only, KubeDeploymentReplicasMismatch / KubeDeploymentRolloutStuck with `deployment`,
//     KubeContainerWaiting, KubeHpaMaxedOut, CPUThrottlingHigh) and, in some set-ups, an OOM-kill rule;
// with `for:` windows, Prometheus' startsAt (the time the alert started firing), and Alertmanager's grouping
// (group_by, group_wait, group_interval, repeat_interval, send_resolved) deciding when a notification is sent
// and which alerts it carries.
import { iso, isoSec } from './engine.mjs';
import { TICK } from './traffic.mjs';

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
/** Alertmanager's label-set fingerprint (FNV-64a over sorted names and values). */
export function fingerprint(labels) {
  let h = FNV64_OFFSET;
  const add = (s) => {
    for (let i = 0; i < s.length; i++) {
      h ^= BigInt(s.charCodeAt(i));
      h = (h * FNV64_PRIME) & 0xffffffffffffffffn;
    }
    h ^= 255n;
    h = (h * FNV64_PRIME) & 0xffffffffffffffffn;
  };
  for (const k of Object.keys(labels).sort()) {
    add(k);
    add(labels[k]);
  }
  return h.toString(16).padStart(16, '0');
}

const STACKS = {
  istio: {
    err: 'IstioHigh5xxErrorRate',
    lat: 'IstioHighRequestLatency',
    label: 'service',
    refusals: true,
    metric: 'istio_requests_total',
  },
  spanmetrics: {
    err: 'ServiceErrorRateHigh',
    lat: 'ServiceLatencyHigh',
    label: 'service',
    refusals: false,
    metric: 'traces_span_metrics_calls_total',
  },
  linkerd: {
    err: 'LinkerdHighErrorRate',
    lat: 'LinkerdHighLatency',
    label: 'deployment',
    refusals: false,
    metric: 'response_total',
  },
  beyla: {
    err: 'HttpServerErrorRateHigh',
    lat: 'HttpServerLatencyHigh',
    label: 'service',
    refusals: false,
    metric: 'http_server_request_duration_seconds_count',
  },
};

const RUNBOOK = 'https://runbooks.prometheus-operator.dev/runbooks/kubernetes/';

export class Monitoring {
  /**
   * @param world { rng, sim, kube, traffic, services, topo, profile }
   */
  constructor(world) {
    this.world = world;
    this.rng = world.arng;
    this.sim = world.sim;
    this.profile = world.profile;
    this.stack = STACKS[world.topo.stack];
    this.states = new Map(); // alert key -> state
    this.groups = new Map();
    this.ksm = []; // per tick: Map pod -> { phase, waiting, restarts, lastTerm, terminating }
    this.thresholds = new Map();
    this.baseline = new Map();
    this.notifications = []; // { t, alerts:[{labels, status, subject}] }
    this.subjects = new Map(); // fingerprint -> subject
    this.metricLines = 0;
  }

  // ---- what Prometheus scraped ---------------------------------------------------------------------------

  sampleKube(t) {
    const pods = new Map();
    for (const w of this.world.kube.workloads.values())
      for (const rs of w.rss)
        for (const p of rs.pods) {
          if (p.gone) continue;
          const main = [...p.containers.values()].find((c) => c.main);
          pods.set(p, {
            phase: p.phase,
            waiting: main?.state?.waiting?.reason ?? null,
            restarts: main?.restartCount ?? 0,
            lastTerm: main?.lastState?.terminated?.reason ?? null,
            terminating: p.terminating,
            container: main?.name,
            pod: p.name,
            ns: p.ns,
            w,
          });
        }
    const deps = new Map();
    for (const w of this.world.kube.workloads.values()) {
      const st = w.dep.status ?? {};
      deps.set(w, {
        spec: w.dep.spec.replicas,
        available: st.availableReplicas ?? 0,
        updated: st.updatedReplicas ?? 0,
        stuck: (st.conditions ?? []).some((c) => c.type === 'Progressing' && c.status === 'False'),
        hpa: w.hpa ? { current: w.hpa.status.currentReplicas, max: w.hpa.spec.maxReplicas } : null,
      });
    }
    this.ksm.push({ t, pods, deps });
    if (this.ksm.length > 130) this.ksm.shift();
  }

  // ---- rules -------------------------------------------------------------------------------------------------

  /** Request totals of each alerting subject over the last `ticks` intervals. */
  requestTotals(ticks) {
    const hist = this.world.traffic.history.slice(-ticks);
    const out = new Map();
    const mix = (into, from, k = 1) => {
      for (const [w, f] of from ?? []) into.set(w, (into.get(w) ?? 0) + f * k);
    };
    const add = (key, subject, n, fails, latSum, failOrigin, exOrigin) => {
      const x = out.get(key) ?? {
        subject,
        n: 0,
        fails: 0,
        latSum: 0,
        failOrigin: new Map(),
        exOrigin: new Map(),
      };
      x.n += n;
      x.fails += fails;
      x.latSum += latSum;
      mix(x.failOrigin, failOrigin);
      mix(x.exOrigin, exOrigin);
      out.set(key, x);
    };
    for (const h of hist)
      for (const [p, po] of h.pods) {
        let n = 0;
        let ok = 0;
        let latSum = 0;
        for (const v of po.byCaller.values()) {
          n += v.n;
          ok += v.ok;
          latSum += v.n * v.lat;
        }
        const s = this.subjectOf(p);
        if (s) add(s.key, s, n, n - ok, latSum, po.failOrigin, po.exOrigin);
        if (this.profile.podRule)
          add(
            `pod/${p.ns}/${p.name}`,
            { kind: 'pod', ns: p.ns, name: p.name, w: p.w, service: this.serviceOf(p.w) },
            n,
            n - ok,
            latSum,
            po.failOrigin,
            po.exOrigin,
          );
      }
    if (this.stack.refusals)
      for (const h of hist)
        for (const [id, so] of h.services) {
          if (!so.zeroFrac || !so.into) continue;
          const [ns, name] = id.split('/');
          const refused = ((so.into * TICK) / 1000) * so.zeroFrac;
          const origin = new Map();
          mix(origin, so.errOrigin, refused);
          add(
            `service/${ns}/${name}`,
            { kind: 'service', ns, name },
            refused,
            refused,
            refused * 2,
            origin,
            null,
          );
        }
    return out;
  }

  serviceOf(w) {
    return w.def.service ?? w.name;
  }

  subjectOf(p) {
    if (this.stack.label === 'deployment')
      return { key: `deployment/${p.ns}/${p.w.name}`, kind: 'deployment', ns: p.ns, name: p.w.name };
    const svc = this.serviceOf(p.w);
    return { key: `service/${p.ns}/${svc}`, kind: 'service', ns: p.ns, name: svc };
  }

  /** Alert rules whose subject the team covers: the entry points always, other services as the profile says. */
  covered(subject) {
    const { topo } = this.world;
    if (subject.kind === 'pod') return true;
    const id = `${subject.ns}/${subject.name}`;
    if (topo.entryAlertSubjects.includes(id)) return true;
    return this.profile.covered.has(id);
  }

  /** Latency thresholds, set as a person would: a round number a few times the usual mean. */
  learnBaseline(t) {
    const totals = this.requestTotals(2);
    for (const [k, x] of totals) {
      if (x.n < 5) continue;
      const b = this.baseline.get(k) ?? [];
      b.push(x.latSum / x.n);
      this.baseline.set(k, b);
    }
    void t;
  }

  freezeThresholds() {
    for (const [k, vals] of this.baseline) {
      const sorted = [...vals].sort((a, b) => a - b);
      const p90 = sorted[Math.floor(sorted.length * 0.9)] ?? sorted.at(-1);
      const raw = Math.max(p90 * this.profile.latFactor, p90 + 25);
      const nice =
        raw < 100
          ? Math.ceil(raw / 10) * 10
          : raw < 1000
            ? Math.ceil(raw / 50) * 50
            : Math.ceil(raw / 250) * 250;
      this.thresholds.set(k, nice);
    }
  }

  evaluate(t) {
    const { profile } = this;
    const active = [];
    const stack = this.stack;
    const app = this.world.topo;
    const sev = (s) => (app.critical.includes(`${s.ns}/${s.name}`) ? 'critical' : 'warning');
    const subjLabels = (s) =>
      s.kind === 'ingress'
        ? { namespace: s.ns, ingress: s.name }
        : s.kind === 'pod'
          ? {
              namespace: s.ns,
              [stack.label]: stack.label === 'deployment' ? s.w.name : s.service,
              pod: s.name,
            }
          : { namespace: s.ns, [stack.label]: s.name };
    // Request errors and latency.
    const errTotals = this.requestTotals(profile.errTicks);
    for (const x of errTotals.values()) {
      if (!this.covered(x.subject) || x.n < profile.minRequests) continue;
      const ratio = x.fails / x.n;
      const pod = x.subject.kind === 'pod';
      if (ratio > (pod ? 0.1 : profile.errThreshold))
        active.push({
          rule: pod ? 'PodHighErrorRate' : stack.err,
          for: profile.errFor,
          subject: x.subject,
          labels: {
            alertname: pod ? 'PodHighErrorRate' : stack.err,
            ...subjLabels(x.subject),
            severity: pod ? 'warning' : sev(x.subject),
          },
          annotations: {
            summary: `${(ratio * 100).toFixed(1)}% of requests to ${x.subject.name} are failing`,
            description: `${x.subject.kind === 'pod' ? 'Pod' : 'Service'} ${x.subject.ns}/${x.subject.name} answered ${(100 - ratio * 100).toFixed(1)}% of requests successfully over the last ${profile.errTicks / 2}m (threshold ${(100 - profile.errThreshold * 100).toFixed(0)}%).`,
          },
          expr: errExpr(stack, x.subject, profile),
          origin: x.failOrigin,
        });
    }
    const latTotals = this.requestTotals(10);
    for (const [k, x] of latTotals) {
      if (x.subject.kind === 'pod' || !this.covered(x.subject) || x.n < profile.minRequests) continue;
      const thr = this.thresholds.get(k);
      if (!thr) continue;
      const mean = x.latSum / x.n;
      if (mean > thr)
        active.push({
          rule: stack.lat,
          for: profile.latFor,
          subject: x.subject,
          labels: {
            alertname: stack.lat,
            ...subjLabels(x.subject),
            severity:
              app.critical.includes(`${x.subject.ns}/${x.subject.name}`) && profile.latencyPages
                ? 'critical'
                : 'warning',
          },
          annotations: {
            summary: `${x.subject.name} is slow`,
            description: `Mean request latency of ${x.subject.ns}/${x.subject.name} is ${mean.toFixed(0)}ms over 5m (threshold ${thr}ms).`,
          },
          expr: latExpr(stack, x.subject, thr),
          origin: x.exOrigin,
        });
    }
    // The ingress in front of the entry point (its controller's view of the same requests).
    if (app.ingress) {
      const ing = app.ingress;
      const x = errTotals.get(this.subjectKeyOfService(ing.ns, ing.service));
      const refusedNow =
        this.world.traffic.history
          .slice(-profile.errTicks)
          .reduce((n, h) => n + (h.services.get(`${ing.ns}/${ing.service}`)?.zeroFrac ?? 0), 0) /
        profile.errTicks;
      const n = (x?.n ?? 0) + refusedNow * 100;
      const fails = (x?.fails ?? 0) + refusedNow * 100;
      if (n >= profile.minRequests && fails / n > profile.errThreshold)
        active.push({
          rule: ing.errAlert,
          for: profile.errFor,
          subject: { kind: 'ingress', ns: ing.ns, name: ing.name, service: ing.service },
          labels: { alertname: ing.errAlert, namespace: ing.ns, ingress: ing.name, severity: 'critical' },
          annotations: {
            summary: `Ingress ${ing.name} is returning 5xx`,
            description: `${((fails / n) * 100).toFixed(1)}% of requests through ingress ${ing.ns}/${ing.name} answered 5xx over the last ${profile.errTicks / 2}m.`,
          },
          expr: `sum by (ingress, exported_namespace) (rate(nginx_ingress_controller_requests{ingress="${ing.name}",status=~"5.."}[${profile.errTicks / 2}m])) / sum by (ingress, exported_namespace) (rate(nginx_ingress_controller_requests{ingress="${ing.name}"}[${profile.errTicks / 2}m])) > ${profile.errThreshold}`,
          origin:
            x?.failOrigin ??
            new Map(this.world.services.get(`${ing.ns}/${ing.service}`).workloads.map((w) => [w, 1])),
        });
      const lk = this.subjectKeyOfService(ing.ns, ing.service);
      const lx = latTotals.get(lk);
      const thr = this.thresholds.get(lk);
      if (lx && thr && lx.n >= profile.minRequests && lx.latSum / lx.n > thr * 1.2)
        active.push({
          rule: ing.latAlert,
          for: profile.latFor,
          subject: { kind: 'ingress', ns: ing.ns, name: ing.name, service: ing.service },
          labels: { alertname: ing.latAlert, namespace: ing.ns, ingress: ing.name, severity: 'warning' },
          annotations: {
            summary: `Ingress ${ing.name} is slow`,
            description: `Mean upstream response time through ingress ${ing.ns}/${ing.name} is ${(lx.latSum / lx.n).toFixed(0)}ms.`,
          },
          expr: `histogram_quantile(0.99, sum by (le, ingress) (rate(nginx_ingress_controller_request_duration_seconds_bucket{ingress="${ing.name}"}[5m]))) > ${(thr * 1.2) / 1000}`,
          origin: lx.exOrigin,
        });
    }
    // kube-state-metrics rules.
    this.sampleKube(t);
    const snap = this.ksm.at(-1);
    const recent = this.ksm.filter((s) => s.t > t - 5 * 60_000);
    const ksmLabels = { job: 'kube-state-metrics' };
    for (const [p, s] of snap.pods) {
      if (!this.world.watchedNs.has(s.ns)) continue;
      const subject = { kind: 'pod', ns: s.ns, name: s.pod, w: s.w };
      if (recent.some((r) => r.pods.get(p)?.waiting === 'CrashLoopBackOff'))
        active.push({
          rule: 'KubePodCrashLooping',
          for: profile.ksmFor,
          subject,
          labels: {
            alertname: 'KubePodCrashLooping',
            container: s.container,
            ...ksmLabels,
            namespace: s.ns,
            pod: s.pod,
            reason: 'CrashLoopBackOff',
            severity: 'warning',
          },
          annotations: {
            description: `Pod ${s.ns}/${s.pod} (${s.container}) is in waiting state (reason: "CrashLoopBackOff").`,
            runbook_url: `${RUNBOOK}kubepodcrashlooping`,
            summary: 'Pod is crash looping.',
          },
          expr: `max_over_time(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff", job="kube-state-metrics"}[5m]) >= 1`,
        });
      if (s.phase === 'Pending' && !s.terminating)
        active.push({
          rule: 'KubePodNotReady',
          for: profile.ksmFor,
          subject,
          labels: { alertname: 'KubePodNotReady', namespace: s.ns, pod: s.pod, severity: 'warning' },
          annotations: {
            description: `Pod ${s.ns}/${s.pod} has been in a non-ready state for longer than ${profile.ksmFor / 60_000} minutes.`,
            runbook_url: `${RUNBOOK}kubepodnotready`,
            summary: 'Pod has been in a non-ready state for more than 15 minutes.',
          },
          expr: 'sum by (namespace, pod, cluster) (max by (namespace, pod, cluster) (kube_pod_status_phase{job="kube-state-metrics", phase=~"Pending|Unknown|Failed"}) * on (namespace, pod, cluster) group_left (owner_kind) topk by (namespace, pod, cluster) (1, max by (namespace, pod, owner_kind, cluster) (kube_pod_owner{owner_kind!="Job"}))) > 0',
        });
      if (
        s.waiting &&
        !s.terminating &&
        this.ksm.filter((r) => r.t > t - 3_600_000).every((r) => r.pods.get(p)?.waiting) &&
        this.ksm[0].t <= t - 3_600_000
      )
        active.push({
          rule: 'KubeContainerWaiting',
          for: 0,
          subject,
          labels: {
            alertname: 'KubeContainerWaiting',
            container: s.container,
            namespace: s.ns,
            pod: s.pod,
            reason: s.waiting,
            severity: 'warning',
          },
          annotations: {
            description: `pod/${s.pod} in namespace ${s.ns} on container ${s.container} has been in waiting state for longer than 1 hour. (reason: "${s.waiting}")`,
            runbook_url: `${RUNBOOK}kubecontainerwaiting`,
            summary: 'Pod container waiting longer than 1 hour',
          },
          expr: 'kube_pod_container_status_waiting_reason{reason!="CrashLoopBackOff", job="kube-state-metrics"} > 0',
        });
      if (profile.oomRule && s.lastTerm === 'OOMKilled') {
        const before = this.ksm.find((r) => r.t > t - 10 * 60_000)?.pods.get(p);
        if (before && s.restarts > before.restarts)
          active.push({
            rule: 'KubeContainerOOMKilled',
            for: 0,
            subject,
            labels: {
              alertname: 'KubeContainerOOMKilled',
              container: s.container,
              namespace: s.ns,
              pod: s.pod,
              reason: 'OOMKilled',
              severity: 'warning',
            },
            annotations: {
              summary: 'Container was OOM-killed.',
              description: `Container ${s.container} in pod ${s.ns}/${s.pod} has been OOMKilled ${s.restarts - before.restarts} times in the last 10 minutes.`,
            },
            expr: '(kube_pod_container_status_restarts_total - kube_pod_container_status_restarts_total offset 10m >= 1) and ignoring (reason) min_over_time(kube_pod_container_status_last_terminated_reason{reason="OOMKilled"}[10m]) == 1',
          });
      }
    }
    const tenMinAgo = this.ksm.find((r) => r.t >= t - 10 * 60_000);
    for (const [w, d] of snap.deps) {
      if (!this.world.watchedNs.has(w.ns)) continue;
      const subject = { kind: 'deployment', ns: w.ns, name: w.name, w };
      const stillUpdated =
        this.ksm.filter((r) => r.t >= t - 10 * 60_000).every((r) => r.deps.get(w)?.updated === d.updated) &&
        tenMinAgo &&
        tenMinAgo.t <= t - 9 * 60_000;
      if (d.spec > d.available && stillUpdated)
        active.push({
          rule: 'KubeDeploymentReplicasMismatch',
          for: profile.ksmFor,
          subject,
          labels: {
            alertname: 'KubeDeploymentReplicasMismatch',
            deployment: w.name,
            ...ksmLabels,
            namespace: w.ns,
            severity: 'warning',
          },
          annotations: {
            description: `Deployment ${w.ns}/${w.name} has not matched the expected number of replicas for longer than ${profile.ksmFor / 60_000} minutes.`,
            runbook_url: `${RUNBOOK}kubedeploymentreplicasmismatch`,
            summary: 'Deployment has not matched the expected number of replicas.',
          },
          expr: '(kube_deployment_spec_replicas{job="kube-state-metrics"} > kube_deployment_status_replicas_available{job="kube-state-metrics"}) and (changes(kube_deployment_status_replicas_updated{job="kube-state-metrics"}[10m]) == 0)',
        });
      if (d.stuck)
        active.push({
          rule: 'KubeDeploymentRolloutStuck',
          for: profile.ksmFor,
          subject,
          labels: {
            alertname: 'KubeDeploymentRolloutStuck',
            condition: 'Progressing',
            deployment: w.name,
            ...ksmLabels,
            namespace: w.ns,
            severity: 'warning',
            status: 'false',
          },
          annotations: {
            description: `Rollout of deployment ${w.ns}/${w.name} is not progressing for longer than ${profile.ksmFor / 60_000} minutes.`,
            runbook_url: `${RUNBOOK}kubedeploymentrolloutstuck`,
            summary: 'Deployment rollout is not progressing.',
          },
          expr: 'kube_deployment_status_condition{condition="Progressing", status="false",job="kube-state-metrics"} != 0',
        });
      if (d.hpa && d.hpa.current === d.hpa.max && d.hpa.max > 1)
        active.push({
          rule: 'KubeHpaMaxedOut',
          for: 15 * 60_000,
          subject,
          labels: {
            alertname: 'KubeHpaMaxedOut',
            horizontalpodautoscaler: w.name,
            ...ksmLabels,
            namespace: w.ns,
            severity: 'warning',
          },
          annotations: {
            description: `HPA ${w.ns}/${w.name} has been running at max replicas for longer than 15 minutes.`,
            runbook_url: `${RUNBOOK}kubehpamaxedout`,
            summary: 'HPA is running at max replicas',
          },
          expr: 'kube_horizontalpodautoscaler_status_current_replicas{job="kube-state-metrics"} == kube_horizontalpodautoscaler_spec_max_replicas{job="kube-state-metrics"}',
        });
    }
    // CPU throttling of busy containers (info).
    const last = this.world.traffic.history.at(-1);
    for (const [p, r] of last?.res ?? []) {
      const lim = p.w.cpuLimitMilli;
      if (!lim || !this.world.watchedNs.has(p.ns)) continue;
      p.throttle = (p.throttle ?? 0) * 0.9 + (r.cores * 1000 > lim * 0.9 ? 1 : 0) * 0.1;
      if (p.throttle > 0.5)
        active.push({
          rule: 'CPUThrottlingHigh',
          for: 15 * 60_000,
          subject: { kind: 'pod', ns: p.ns, name: p.name, w: p.w },
          labels: {
            alertname: 'CPUThrottlingHigh',
            container: [...p.containers.values()].find((c) => c.main).name,
            namespace: p.ns,
            pod: p.name,
            severity: 'info',
          },
          annotations: {
            description: `${Math.round(p.throttle * 100)}% throttling of CPU in namespace ${p.ns} for container in pod ${p.name}.`,
            runbook_url: `${RUNBOOK}cputhrottlinghigh`,
            summary: 'Processes experience elevated CPU throttling.',
          },
          expr: 'sum(increase(container_cpu_cfs_throttled_periods_total{container!="", job="kubelet", metrics_path="/metrics/cadvisor"}[5m])) without (id, metrics_path, name, image, endpoint, job, node) / on (cluster, namespace, pod, container, instance) group_left sum(increase(container_cpu_cfs_periods_total{job="kubelet", metrics_path="/metrics/cadvisor"}[5m])) without (id, metrics_path, name, image, endpoint, job, node) > (25 / 100)',
        });
    }
    for (const extra of this.world.extraAlerts(t)) active.push(extra);
    this.advance(t, active);
  }

  subjectKeyOfService(ns, svc) {
    if (this.stack.label === 'deployment') {
      const w = [...this.world.kube.workloads.values()].find((x) => x.ns === ns && this.serviceOf(x) === svc);
      return `deployment/${ns}/${w?.name ?? svc}`;
    }
    return `service/${ns}/${svc}`;
  }

  /** Prometheus' alert states: pending until `for:` has passed, firing, resolved (sent for 15 minutes). */
  advance(t, active) {
    const seen = new Set();
    for (const a of active) {
      const fp = fingerprint(a.labels);
      seen.add(fp);
      let s = this.states.get(fp);
      if (!s || s.resolvedAt) {
        s = {
          fp,
          labels: a.labels,
          activeAt: a.firedAt ?? t,
          firedAt: a.firedAt ?? null,
          resolvedAt: null,
          subject: a.subject,
          rule: a.rule,
          expr: a.expr,
          pre: a.firedAt !== undefined,
        };
        this.states.set(fp, s);
      }
      s.annotations = a.annotations;
      if (!s.firedAt && t - s.activeAt >= a.for) {
        s.firedAt = t;
        s.origin = a.origin;
        this.subjects.set(fp, a.subject);
      }
      if (s.firedAt) this.toAlertmanager(t, s);
    }
    for (const s of this.states.values())
      if (!seen.has(s.fp) && !s.resolvedAt) {
        if (s.firedAt) {
          s.resolvedAt = t;
          this.toAlertmanager(t, s);
        } else this.states.delete(s.fp);
      }
  }

  // ---- Alertmanager --------------------------------------------------------------------------------------------

  toAlertmanager(t, s) {
    const { profile } = this;
    if (s.labels.severity === 'info' && !profile.infoToWebhook) return;
    const arrive = t + this.rng.int(5, 900);
    const labels = s.labels;
    const gl = profile.groupBy.includes('...')
      ? { ...labels }
      : Object.fromEntries(profile.groupBy.filter((k) => labels[k] !== undefined).map((k) => [k, labels[k]]));
    const gk = JSON.stringify(gl);
    let g = this.groups.get(gk);
    if (!g) {
      g = { key: gk, labels: gl, alerts: new Map(), entry: null, flushAt: null };
      this.groups.set(gk, g);
      if (s.pre) {
        // Firing since before the recording: Alertmanager notified it long ago and repeats it on its interval.
        g.entry = {
          firing: new Set([s.fp]),
          resolved: new Set(),
          t: this.sim.t0 - this.rng.int(0, profile.repeatInterval),
        };
        g.flushAt = t + this.rng.int(0, profile.groupInterval);
        this.sim.at(g.flushAt, (tt) => this.flush(g, tt));
      }
    }
    const known = g.alerts.get(s.fp);
    const status = s.resolvedAt ? 'resolved' : 'firing';
    if (known && known.status === status) return;
    if (!known && status === 'resolved') return;
    g.alerts.set(s.fp, {
      fp: s.fp,
      labels,
      annotations: s.annotations,
      startsAt: s.firedAt,
      activeAt: s.activeAt,
      endsAt: s.resolvedAt,
      status,
      subject: s.subject,
      expr: s.expr,
      origin: s.origin,
    });
    if (g.flushAt === null) {
      g.flushAt = arrive + profile.groupWait;
      this.sim.at(g.flushAt, (tt) => this.flush(g, tt));
    }
  }

  /** A group's flush, deduplicated as Alertmanager's DedupStage does against the last notification sent. */
  flush(g, t) {
    const { profile } = this;
    const alerts = [...g.alerts.values()];
    const firing = alerts.filter((a) => a.status === 'firing').map((a) => a.fp);
    const resolved = alerts.filter((a) => a.status === 'resolved').map((a) => a.fp);
    const last = g.entry;
    let send;
    if (!last) send = firing.length > 0;
    else if (!firing.every((fp) => last.firing.has(fp))) send = true;
    else if (!firing.length) send = last.firing.size > 0;
    else if (!resolved.every((fp) => last.resolved.has(fp))) send = true;
    else send = t - last.t >= profile.repeatInterval;
    if (send) {
      this.notify(g, t, alerts);
      g.entry = { firing: new Set(firing), resolved: new Set(resolved), t };
    }
    for (const a of alerts) if (a.status === 'resolved') g.alerts.delete(a.fp);
    if (!g.alerts.size) {
      this.groups.delete(g.key);
      return;
    }
    g.flushAt = t + profile.groupInterval;
    this.sim.at(g.flushAt, (tt) => this.flush(g, tt));
  }

  notify(g, t, alerts) {
    const { profile } = this;
    const at = t + this.rng.int(8, 450);
    const sorted = [...alerts].sort((a, b) => (a.fp < b.fp ? -1 : 1));
    const common = (f) => {
      const first = f(sorted[0]);
      return Object.fromEntries(Object.entries(first).filter(([k, v]) => sorted.every((a) => f(a)[k] === v)));
    };
    const firing = sorted.some((a) => a.status === 'firing');
    const matchers = profile.routeMatcher;
    const body = {
      alertmanager: {
        receiver: profile.receiver,
        status: firing ? 'firing' : 'resolved',
        alerts: sorted.map((a) => ({
          status: a.status,
          labels: a.labels,
          annotations: a.annotations,
          startsAt: iso(a.startsAt),
          endsAt: a.status === 'resolved' ? iso(a.endsAt) : '0001-01-01T00:00:00Z',
          generatorURL: `${profile.prometheusURL}/graph?g0.expr=${encodeURIComponent(a.expr ?? '')}&g0.tab=1`,
          fingerprint: a.fp,
        })),
        groupLabels: g.labels,
        commonLabels: common((a) => a.labels),
        commonAnnotations: common((a) => a.annotations),
        externalURL: profile.alertmanagerURL,
        version: '4',
        groupKey: `{}/${matchers}:{${Object.entries(g.labels)
          .map(([k, v]) => `${k}="${v}"`)
          .join(', ')}}`,
        truncatedAlerts: 0,
      },
    };
    this.sim.raw(at, body);
    this.notifications.push({
      t: at,
      alerts: sorted.map((a) => ({
        labels: a.labels,
        status: a.status,
        startsAt: a.startsAt,
        activeAt: a.activeAt,
        subject: a.subject,
        origin: a.origin,
      })),
    });
  }

  // ---- metric samples (FORMAT.md type 3) -----------------------------------------------------------------

  /** One scrape interval of golden signals per pod, from the last two traffic ticks; gaps as real scrapes have. */
  metricLine(t, emit) {
    const rng = this.world.mrng;
    const hist = this.world.traffic.history.slice(-2);
    if (rng.chance(0.004)) return; // a missed evaluation: the whole interval is absent
    const samples = [];
    const perPod = new Map();
    for (const h of hist)
      for (const [p, po] of h.pods) {
        const x = perPod.get(p) ?? new Map();
        for (const [from, v] of po.byCaller) {
          const y = x.get(from) ?? { n: 0, ok: 0, latSum: 0 };
          y.n += v.n;
          y.ok += v.ok;
          y.latSum += v.n * v.lat;
          x.set(from, y);
        }
        perPod.set(p, x);
      }
    const res = hist.at(-1)?.res ?? new Map();
    const pods = new Set([...perPod.keys(), ...res.keys()]);
    // `workload` is the pod's Deployment (FORMAT.md): StatefulSet and DaemonSet pods are left out.
    const sortedPods = [...pods]
      .filter((p) => this.world.metricNs.has(p.ns) && !p.w.static)
      .sort((a, b) => (a.w.name + a.name < b.w.name + b.name ? -1 : 1));
    for (const p of sortedPods) {
      if (rng.chance(0.012)) continue; // this target's scrape failed
      const base = { namespace: p.ns, workload: p.w.name, pod: p.name };
      const callers = perPod.get(p);
      if (callers && p.ready !== undefined)
        for (const [from, y] of [...callers].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
          if (y.n < 1) continue;
          const labels = from ? { ...base, source_workload: from } : { ...base };
          samples.push({ name: 'request_success_ratio', labels, value: round(y.ok / y.n, 4) });
          samples.push({ name: 'request_latency_ms', labels, value: round(y.latSum / y.n, 2) });
        }
      const r = res.get(p);
      if (r) {
        const cpuDen = (p.w.cpuLimitMilli ?? p.w.cpuRequestMilli) / 1000;
        if (cpuDen)
          samples.push({
            name: 'container_cpu_usage_ratio',
            labels: base,
            value: round(r.cores / cpuDen, 4),
          });
        const memLimit = p.behaviour.memLimitMi;
        if (memLimit)
          samples.push({
            name: 'container_memory_usage_ratio',
            labels: base,
            value: round(Math.min(r.mem / memLimit, 1), 5),
          });
      }
    }
    if (!samples.length) return;
    this.metricLines++;
    if (emit) this.sim.raw(t, { metrics: { interval: '60s', samples } });
  }
}

function round(x, d) {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}

function errExpr(stack, s, profile) {
  const w = `${profile.errTicks / 2}m`;
  if (stack === STACKS.istio)
    return `sum by (destination_service_namespace, destination_service_name) (rate(istio_requests_total{reporter="source", destination_service_name="${s.name}", response_code=~"5.."}[${w}])) / sum by (destination_service_namespace, destination_service_name) (rate(istio_requests_total{reporter="source", destination_service_name="${s.name}"}[${w}])) > ${profile.errThreshold}`;
  if (stack === STACKS.linkerd)
    return `sum by (namespace, deployment) (rate(response_total{direction="inbound", classification="failure", deployment="${s.name}"}[${w}])) / sum by (namespace, deployment) (rate(response_total{direction="inbound", deployment="${s.name}"}[${w}])) > ${profile.errThreshold}`;
  if (stack === STACKS.spanmetrics)
    return `sum by (service_name) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_SERVER", status_code="STATUS_CODE_ERROR", service_name="${s.name}"}[${w}])) / sum by (service_name) (rate(traces_span_metrics_calls_total{span_kind="SPAN_KIND_SERVER", service_name="${s.name}"}[${w}])) > ${profile.errThreshold}`;
  return `sum by (k8s_namespace_name, service_name) (rate(http_server_request_duration_seconds_count{http_response_status_code=~"5..", service_name="${s.name}"}[${w}])) / sum by (k8s_namespace_name, service_name) (rate(http_server_request_duration_seconds_count{service_name="${s.name}"}[${w}])) > ${profile.errThreshold}`;
}

function latExpr(stack, s, thr) {
  return `sum by (${stack.label}) (rate(${stack.metric.replace(/_total$|_count$/, '')}_duration_sum{${stack.label}="${s.name}"}[5m])) / sum by (${stack.label}) (rate(${stack.metric.replace(/_total$|_count$/, '')}_duration_count{${stack.label}="${s.name}"}[5m])) * 1000 > ${thr}`;
}

export { isoSec };
