import type { GoldenSignal } from '../golden-signals.js';

/**
 * PromQL templates for the four golden signals of ONE workload's pods in one namespace, per common stack. Each is
 * exact PromQL with placeholders (docs/metrics.md lists every one as rendered):
 *
 *   {{namespace}}    the workload's namespace, escaped for a PromQL string
 *   {{workload}}     the workload's name (Deployment, StatefulSet, ...), escaped for a PromQL string
 *   {{workload_re}}  the same as an RE2 literal (for `=~` matchers: a dot in a name matches only a dot)
 *   {{window}}       the rate window: the step unless configured otherwise (`60s`)
 *   {{range}}        the queried window's length (`3660s`); a template that uses it is a range-vector selector
 *                    over series that already hold one value per interval (recording rules, a backfilled
 *                    recording): it is evaluated once, at the window's end, and returns the raw samples with
 *                    their own timestamps. Every other template is evaluated at each step (query_range).
 *
 * What a template returns: one series per pod (label `pod`) and, for request signals, per caller (label
 * `source_workload`, absent for outside traffic); every other label is ignored. Values: success as a ratio (0-1),
 * latency in milliseconds, CPU and memory as a ratio of the limit.
 */
export type RequestStack = 'istio' | 'linkerd' | 'otel' | 'recorded' | 'none';
export type ResourceStack = 'cadvisor' | 'recorded' | 'none';
export const REQUEST_STACKS: readonly RequestStack[] = ['istio', 'linkerd', 'otel', 'recorded', 'none'];
export const RESOURCE_STACKS: readonly ResourceStack[] = ['cadvisor', 'recorded', 'none'];

export const REQUEST_SIGNALS = ['request_success_ratio', 'request_latency_ms'] as const;
export const RESOURCE_SIGNALS = ['container_cpu_usage_ratio', 'container_memory_usage_ratio'] as const;

export const PLACEHOLDERS = ['namespace', 'workload', 'workload_re', 'window', 'range'] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Istio's standard metrics as the destination's sidecar reports them; `pod` from Prometheus' Kubernetes SD. */
const ISTIO_SELECTOR =
  'reporter="destination", destination_workload_namespace="{{namespace}}", destination_workload="{{workload}}"';
/**
 * A failed request: an HTTP 5xx, or a gRPC status that gRPC gateways map to 5xx (UNKNOWN, DEADLINE_EXCEEDED,
 * UNIMPLEMENTED, INTERNAL, UNAVAILABLE, DATA_LOSS): a gRPC call that fails answers HTTP 200.
 */
const ISTIO_SUCCEEDED = 'response_code!~"5..", grpc_response_status!~"2|4|12|13|14|15"';
/** Istio names a caller outside the mesh `unknown`; our model leaves the caller out for outside traffic. */
const ISTIO_CALLER = (expr: string) =>
  `label_replace(${expr}, "source_workload", "", "source_workload", "unknown")`;

/**
 * Linkerd's proxy, inbound side (what the pod itself answered, every caller included); `namespace`, `pod` and
 * `deployment` come from its Prometheus scrape config. The caller is the client's mTLS identity
 * (`<serviceaccount>.<namespace>.serviceaccount.identity.<trust domain>`), reduced to its ServiceAccount name.
 */
const LINKERD_SELECTOR = 'direction="inbound", namespace="{{namespace}}", deployment="{{workload}}"';
const LINKERD_CALLER = (expr: string) =>
  `label_replace(${expr}, "source_workload", "$1", "client_id", "([^.]+)\\\\..*")`;

/** OpenTelemetry HTTP server semantic conventions through a Prometheus exporter, resource attributes as labels. */
const OTEL_SELECTOR = 'k8s_namespace_name="{{namespace}}", k8s_deployment_name="{{workload}}"';

/**
 * cAdvisor (kubelet) usage over kube-state-metrics limits, per container, then the most saturated container of
 * each pod. `max by` rather than `sum by` per container: two scrapes of one container (two kube-state-metrics
 * replicas, a kubelet scraped by two jobs) must not double its usage or its limit. Pods are the workload's by name (Deployment `<name>-<template hash>-<5>`, StatefulSet `<name>-<n>`,
 * DaemonSet `<name>-<5>`): no join with kube_pod_owner/kube_replicaset_owner that a setup may not have.
 */
const WORKLOAD_PODS = '"{{workload_re}}-([a-z0-9]{1,10}-[a-z0-9]{5}|[0-9]+|[a-z0-9]{5})"';

const ratioOfRequests = (by: string, succeeded: string, all: string) =>
  `(sum by (${by}) (${succeeded}) or 0 * sum by (${by}) (${all}))\n/ sum by (${by}) (${all})`;

type Templates = Partial<Record<GoldenSignal, string>>;

export const REQUEST_TEMPLATES: Record<Exclude<RequestStack, 'none'>, Templates> = {
  istio: {
    request_success_ratio: ISTIO_CALLER(
      ratioOfRequests(
        'pod, source_workload',
        `rate(istio_requests_total{${ISTIO_SELECTOR}, ${ISTIO_SUCCEEDED}}[{{window}}])`,
        `rate(istio_requests_total{${ISTIO_SELECTOR}}[{{window}}])`,
      ),
    ),
    request_latency_ms: ISTIO_CALLER(
      `sum by (pod, source_workload) (rate(istio_request_duration_milliseconds_sum{${ISTIO_SELECTOR}}[{{window}}]))\n` +
        `/ sum by (pod, source_workload) (rate(istio_request_duration_milliseconds_count{${ISTIO_SELECTOR}}[{{window}}]))`,
    ),
  },
  linkerd: {
    request_success_ratio: LINKERD_CALLER(
      ratioOfRequests(
        'pod, client_id',
        `rate(response_total{${LINKERD_SELECTOR}, classification="success"}[{{window}}])`,
        `rate(response_total{${LINKERD_SELECTOR}}[{{window}}])`,
      ),
    ),
    request_latency_ms: LINKERD_CALLER(
      `sum by (pod, client_id) (rate(response_latency_ms_sum{${LINKERD_SELECTOR}}[{{window}}]))\n` +
        `/ sum by (pod, client_id) (rate(response_latency_ms_count{${LINKERD_SELECTOR}}[{{window}}]))`,
    ),
  },
  otel: {
    request_success_ratio: `label_replace(${ratioOfRequests(
      'k8s_pod_name',
      `rate(http_server_request_duration_seconds_count{${OTEL_SELECTOR}, http_response_status_code!~"5.."}[{{window}}])`,
      `rate(http_server_request_duration_seconds_count{${OTEL_SELECTOR}}[{{window}}])`,
    )}, "pod", "$1", "k8s_pod_name", "(.+)")`,
    request_latency_ms:
      `label_replace(1000 * sum by (k8s_pod_name) (rate(http_server_request_duration_seconds_sum{${OTEL_SELECTOR}}[{{window}}]))\n` +
      `/ sum by (k8s_pod_name) (rate(http_server_request_duration_seconds_count{${OTEL_SELECTOR}}[{{window}}])), "pod", "$1", "k8s_pod_name", "(.+)")`,
  },
  recorded: {
    request_success_ratio:
      'request_success_ratio{namespace="{{namespace}}", workload="{{workload}}"}[{{range}}]',
    request_latency_ms: 'request_latency_ms{namespace="{{namespace}}", workload="{{workload}}"}[{{range}}]',
  },
};

export const RESOURCE_TEMPLATES: Record<Exclude<ResourceStack, 'none'>, Templates> = {
  cadvisor: {
    container_cpu_usage_ratio:
      `max by (pod) (\n` +
      `  max by (namespace, pod, container) (rate(container_cpu_usage_seconds_total{namespace="{{namespace}}", pod=~${WORKLOAD_PODS}, container!="", container!="POD"}[{{window}}]))\n` +
      `  / max by (namespace, pod, container) (kube_pod_container_resource_limits{namespace="{{namespace}}", pod=~${WORKLOAD_PODS}, resource="cpu"})\n` +
      `)`,
    container_memory_usage_ratio:
      `max by (pod) (\n` +
      `  max by (namespace, pod, container) (max_over_time(container_memory_working_set_bytes{namespace="{{namespace}}", pod=~${WORKLOAD_PODS}, container!="", container!="POD"}[{{window}}]))\n` +
      `  / max by (namespace, pod, container) (kube_pod_container_resource_limits{namespace="{{namespace}}", pod=~${WORKLOAD_PODS}, resource="memory"})\n` +
      `)`,
  },
  recorded: {
    container_cpu_usage_ratio:
      'container_cpu_usage_ratio{namespace="{{namespace}}", workload="{{workload}}"}[{{range}}]',
    container_memory_usage_ratio:
      'container_memory_usage_ratio{namespace="{{namespace}}", workload="{{workload}}"}[{{range}}]',
  },
};

/** One signal's template as configured, with where it came from (the `template` label of the client's metrics). */
export interface SignalTemplate {
  signal: GoldenSignal;
  /** `istio`, `cadvisor`, ... or `override` when configured by hand. */
  origin: string;
  promql: string;
}

/** The templates in force: the stacks' own, replaced signal by signal by overrides. */
export function selectTemplates(
  requestStack: RequestStack,
  resourceStack: ResourceStack,
  overrides: Partial<Record<GoldenSignal, string>> = {},
): SignalTemplate[] {
  const out: SignalTemplate[] = [];
  const add = (stack: string, signals: readonly GoldenSignal[], templates: Templates) => {
    for (const signal of signals) {
      const override = overrides[signal];
      if (override) out.push({ signal, origin: 'override', promql: override });
      else if (templates[signal]) out.push({ signal, origin: stack, promql: templates[signal] });
    }
  };
  add(requestStack, REQUEST_SIGNALS, requestStack === 'none' ? {} : REQUEST_TEMPLATES[requestStack]);
  add(resourceStack, RESOURCE_SIGNALS, resourceStack === 'none' ? {} : RESOURCE_TEMPLATES[resourceStack]);
  return out;
}

/** Placeholders a template uses that are not known, and whether it names the namespace and the workload. */
export function checkTemplate(promql: string): string | undefined {
  const used = [...promql.matchAll(/\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]);
  const unknown = used.filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p));
  if (unknown.length > 0)
    return `unknown placeholder(s) ${unknown.map((p) => `{{${p}}}`).join(', ')}; known: ${PLACEHOLDERS.map((p) => `{{${p}}}`).join(', ')}`;
  if (!used.includes('namespace')) return 'it must select the namespace with {{namespace}}';
  if (!used.includes('workload') && !used.includes('workload_re'))
    return 'it must select the workload with {{workload}} or {{workload_re}}';
  return undefined;
}

/** True when the template is a range-vector selector over per-interval series (see {{range}} above). */
export const isSamplesTemplate = (promql: string) => /\{\{\s*range\s*\}\}/.test(promql);

export interface TemplateValues {
  namespace: string;
  workload: string;
  windowMs: number;
  rangeMs: number;
}

/** The template with its placeholders filled, each value escaped for where it goes. */
export function renderTemplate(promql: string, v: TemplateValues): string {
  const values: Record<Placeholder, string> = {
    namespace: promqlString(v.namespace),
    workload: promqlString(v.workload),
    workload_re: promqlString(regexLiteral(v.workload)),
    window: promqlDuration(v.windowMs),
    range: promqlDuration(v.rangeMs),
  };
  return promql.replace(/\{\{\s*([^}]*?)\s*\}\}/g, (whole, name: string) =>
    name in values ? values[name as Placeholder] : whole,
  );
}

/** The inside of a double-quoted PromQL string (Go's escapes: a backslash, a quote, a line break). */
export function promqlString(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** An RE2 pattern that matches exactly `s`. */
export function regexLiteral(s: string): string {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/** A PromQL duration: whole seconds when it is some (`60s`), else milliseconds (`1500ms`). */
export function promqlDuration(ms: number): string {
  const whole = Math.max(1, Math.round(ms));
  return whole % 1000 === 0 ? `${whole / 1000}s` : `${whole}ms`;
}
