import { z } from 'zod';
import { GOLDEN_SIGNALS, type GoldenSignal } from '../golden-signals.js';
import { parseInterval } from '../recorded-metrics.js';
import {
  checkTemplate,
  REQUEST_STACKS,
  RESOURCE_STACKS,
  type RequestStack,
  type ResourceStack,
} from './query-templates.js';

/**
 * Where the golden signals are read in a cluster: a Prometheus (or anything that serves its HTTP query API:
 * Thanos, Mimir, VictoriaMetrics...). Secrets (token, password) are held here only when given inline; from files
 * they are read at each request, so that a rotated token is picked up. Never log this object: see
 * describePrometheusConfig.
 */
export const PrometheusConfigSchema = z
  .object({
    /** Base URL; a path prefix is kept (`https://mimir.example/prometheus`). */
    url: z
      .string()
      .url()
      .refine((u) => /^https?:$/.test(new URL(u).protocol), 'must be http:// or https://')
      .refine(
        (u) => !new URL(u).username && !new URL(u).password,
        'must not hold credentials: use PROMETHEUS_USERNAME and PROMETHEUS_PASSWORD(_FILE)',
      ),
    auth: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('none') }),
      z.object({ kind: z.literal('bearer'), token: z.string().min(1) }),
      z.object({ kind: z.literal('bearer-file'), tokenFile: z.string().min(1) }),
      z.object({ kind: z.literal('basic'), username: z.string().min(1), password: z.string() }),
      z.object({
        kind: z.literal('basic-file'),
        username: z.string().min(1),
        passwordFile: z.string().min(1),
      }),
    ]),
    tls: z.object({
      caFile: z.string().min(1).optional(),
      certFile: z.string().min(1).optional(),
      keyFile: z.string().min(1).optional(),
      /** Off unless asked for: a Prometheus whose certificate is not checked can feed the ranking anything. */
      insecureSkipVerify: z.boolean().default(false),
    }),
    /** One HTTP request's time limit (also sent as the query's `timeout`). */
    timeoutMs: z.number().int().positive().max(300_000).default(10_000),
    /** Retries of a 5xx or a network error (never of a 4xx or a time-out), with jittered exponential backoff. */
    retries: z.number().int().min(0).max(5).default(2),
    /** Queries in flight at once, across every ranking of the process. */
    maxConcurrency: z.number().int().min(1).max(64).default(4),
    /** How long an answer is reused: repeated rankings of one incident do not query again. 0 disables. */
    cacheTtlMs: z.number().int().min(0).default(60_000),
    /** Series kept per query; more are dropped, logged and counted. */
    maxSeries: z.number().int().positive().default(2_000),
    /** Largest response body read (bytes). */
    maxResponseBytes: z
      .number()
      .int()
      .positive()
      .default(64 * 1024 * 1024),
    /** The resolution: one point per step, and each point covers the step before it. */
    stepMs: z.number().int().min(1_000).default(60_000),
    /** The rate window ({{window}}); the step unless set (raise it when the scrape interval is over half a step). */
    rateWindowMs: z.number().int().min(1_000).optional(),
    requestStack: z.enum(REQUEST_STACKS as [RequestStack, ...RequestStack[]]).default('istio'),
    resourceStack: z.enum(RESOURCE_STACKS as [ResourceStack, ...ResourceStack[]]).default('cadvisor'),
    /** Per-signal PromQL replacing the stack's (same placeholders, same result labels). */
    queries: z
      .partialRecord(
        z.enum(GOLDEN_SIGNALS),
        z.string().superRefine((q, ctx) => {
          const problem = checkTemplate(q);
          if (problem) ctx.addIssue({ code: 'custom', message: `query template: ${problem}` });
        }),
      )
      .default({}),
  })
  .superRefine((c, ctx) => {
    if (!!c.tls.certFile !== !!c.tls.keyFile)
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: 'PROMETHEUS_CERT_FILE and PROMETHEUS_KEY_FILE go together',
      });
  });
export type PrometheusConfig = z.output<typeof PrometheusConfigSchema>;

/** The environment variables, as strings (what @nestjs/config or process.env hands over). */
export const PrometheusEnvSchema = z.object({
  PROMETHEUS_URL: z.string().optional(),
  PROMETHEUS_TOKEN: z.string().optional(),
  PROMETHEUS_TOKEN_FILE: z.string().optional(),
  PROMETHEUS_USERNAME: z.string().optional(),
  PROMETHEUS_PASSWORD: z.string().optional(),
  PROMETHEUS_PASSWORD_FILE: z.string().optional(),
  PROMETHEUS_CA_FILE: z.string().optional(),
  PROMETHEUS_CERT_FILE: z.string().optional(),
  PROMETHEUS_KEY_FILE: z.string().optional(),
  PROMETHEUS_TLS_INSECURE_SKIP_VERIFY: z.enum(['true', 'false']).optional(),
  PROMETHEUS_TIMEOUT_MS: z.string().regex(/^\d+$/, 'a number of milliseconds').optional(),
  PROMETHEUS_RETRIES: z.string().regex(/^\d+$/).optional(),
  PROMETHEUS_MAX_CONCURRENCY: z.string().regex(/^\d+$/).optional(),
  PROMETHEUS_CACHE_TTL_MS: z.string().regex(/^\d+$/).optional(),
  PROMETHEUS_MAX_SERIES: z.string().regex(/^\d+$/).optional(),
  PROMETHEUS_STACK: z.string().optional(),
  PROMETHEUS_RESOURCE_STACK: z.string().optional(),
  PROMETHEUS_STEP: z.string().optional(),
  PROMETHEUS_RATE_WINDOW: z.string().optional(),
  PROMETHEUS_QUERY_SUCCESS: z.string().optional(),
  PROMETHEUS_QUERY_LATENCY: z.string().optional(),
  PROMETHEUS_QUERY_CPU: z.string().optional(),
  PROMETHEUS_QUERY_MEMORY: z.string().optional(),
});
export type PrometheusEnv = z.input<typeof PrometheusEnvSchema>;

const OVERRIDE_VARS: Record<GoldenSignal, keyof PrometheusEnv> = {
  request_success_ratio: 'PROMETHEUS_QUERY_SUCCESS',
  request_latency_ms: 'PROMETHEUS_QUERY_LATENCY',
  container_cpu_usage_ratio: 'PROMETHEUS_QUERY_CPU',
  container_memory_usage_ratio: 'PROMETHEUS_QUERY_MEMORY',
};

/**
 * The Prometheus settings from environment variables, or undefined without PROMETHEUS_URL (metrics are optional:
 * the ranking then works from watch events and alerts only). Throws on an invalid setting, naming the variable and
 * never echoing a secret.
 *
 *   PROMETHEUS_URL                         base URL (http or https)
 *   PROMETHEUS_TOKEN | PROMETHEUS_TOKEN_FILE   bearer token (the file is read at each request)
 *   PROMETHEUS_USERNAME + PROMETHEUS_PASSWORD | PROMETHEUS_PASSWORD_FILE   basic auth
 *   PROMETHEUS_CA_FILE, PROMETHEUS_CERT_FILE + PROMETHEUS_KEY_FILE, PROMETHEUS_TLS_INSECURE_SKIP_VERIFY=true
 *   PROMETHEUS_TIMEOUT_MS (10000), PROMETHEUS_RETRIES (2), PROMETHEUS_MAX_CONCURRENCY (4),
 *   PROMETHEUS_CACHE_TTL_MS (60000), PROMETHEUS_MAX_SERIES (2000)
 *   PROMETHEUS_STACK            istio | linkerd | otel | recorded | none (request signals; default istio)
 *   PROMETHEUS_RESOURCE_STACK   cadvisor | recorded | none (CPU, memory; default cadvisor, recorded with STACK=recorded)
 *   PROMETHEUS_STEP (60s), PROMETHEUS_RATE_WINDOW (the step)
 *   PROMETHEUS_QUERY_SUCCESS | _LATENCY | _CPU | _MEMORY   PromQL replacing the stack's for one signal
 */
export function prometheusConfigFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): PrometheusConfig | undefined {
  const read = PrometheusEnvSchema.safeParse(blankless(env));
  if (!read.success)
    throw new Error(
      `Prometheus settings: ${read.error.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`).join('; ')}`,
    );
  const e = read.data;
  if (!e.PROMETHEUS_URL) return undefined;
  const problems: string[] = [];
  if (e.PROMETHEUS_TOKEN && e.PROMETHEUS_TOKEN_FILE)
    problems.push('PROMETHEUS_TOKEN and PROMETHEUS_TOKEN_FILE: give one');
  if (e.PROMETHEUS_PASSWORD && e.PROMETHEUS_PASSWORD_FILE)
    problems.push('PROMETHEUS_PASSWORD and PROMETHEUS_PASSWORD_FILE: give one');
  const bearer = !!(e.PROMETHEUS_TOKEN || e.PROMETHEUS_TOKEN_FILE);
  const basic = !!(e.PROMETHEUS_USERNAME || e.PROMETHEUS_PASSWORD || e.PROMETHEUS_PASSWORD_FILE);
  if (bearer && basic) problems.push('a bearer token and basic auth: give one');
  if (basic && !e.PROMETHEUS_USERNAME) problems.push('PROMETHEUS_PASSWORD(_FILE) needs PROMETHEUS_USERNAME');
  const duration = (name: 'PROMETHEUS_STEP' | 'PROMETHEUS_RATE_WINDOW') => {
    const text = e[name];
    if (text === undefined) return undefined;
    const ms = parseInterval(text);
    if (ms === undefined) problems.push(`${name} '${text}' is not a duration such as 60s or 1m`);
    return ms;
  };
  const stepMs = duration('PROMETHEUS_STEP');
  const rateWindowMs = duration('PROMETHEUS_RATE_WINDOW');
  if (problems.length > 0) throw new Error(`Prometheus settings: ${problems.join('; ')}`);

  const queries: Partial<Record<GoldenSignal, string>> = {};
  for (const signal of GOLDEN_SIGNALS) {
    const q = e[OVERRIDE_VARS[signal]];
    if (q) queries[signal] = q;
  }
  const requestStack = e.PROMETHEUS_STACK ?? 'istio';
  const raw = {
    url: e.PROMETHEUS_URL,
    auth: e.PROMETHEUS_TOKEN
      ? { kind: 'bearer', token: e.PROMETHEUS_TOKEN }
      : e.PROMETHEUS_TOKEN_FILE
        ? { kind: 'bearer-file', tokenFile: e.PROMETHEUS_TOKEN_FILE }
        : e.PROMETHEUS_PASSWORD_FILE
          ? { kind: 'basic-file', username: e.PROMETHEUS_USERNAME, passwordFile: e.PROMETHEUS_PASSWORD_FILE }
          : e.PROMETHEUS_USERNAME
            ? { kind: 'basic', username: e.PROMETHEUS_USERNAME, password: e.PROMETHEUS_PASSWORD ?? '' }
            : { kind: 'none' },
    tls: {
      caFile: e.PROMETHEUS_CA_FILE,
      certFile: e.PROMETHEUS_CERT_FILE,
      keyFile: e.PROMETHEUS_KEY_FILE,
      insecureSkipVerify: e.PROMETHEUS_TLS_INSECURE_SKIP_VERIFY === 'true',
    },
    timeoutMs: num(e.PROMETHEUS_TIMEOUT_MS),
    retries: num(e.PROMETHEUS_RETRIES),
    maxConcurrency: num(e.PROMETHEUS_MAX_CONCURRENCY),
    cacheTtlMs: num(e.PROMETHEUS_CACHE_TTL_MS),
    maxSeries: num(e.PROMETHEUS_MAX_SERIES),
    stepMs,
    rateWindowMs,
    requestStack,
    resourceStack: e.PROMETHEUS_RESOURCE_STACK ?? (requestStack === 'recorded' ? 'recorded' : 'cadvisor'),
    queries,
  };
  const parsed = PrometheusConfigSchema.safeParse(raw);
  if (!parsed.success) {
    // Messages name the setting; zod's issues carry no input values, so no secret can be echoed.
    const why = parsed.error.issues.map((i) => `${envName(i.path)}: ${i.message}`);
    throw new Error(`Prometheus settings: ${why.join('; ')}`);
  }
  return parsed.data;
}

/** The settings as they may be logged: the URL without credentials, how it authenticates, never a secret. */
export function describePrometheusConfig(c: PrometheusConfig): Record<string, unknown> {
  return {
    url: safeUrl(c.url),
    auth: c.auth.kind,
    tls: {
      ca: !!c.tls.caFile,
      clientCert: !!c.tls.certFile,
      insecureSkipVerify: c.tls.insecureSkipVerify,
    },
    timeoutMs: c.timeoutMs,
    retries: c.retries,
    maxConcurrency: c.maxConcurrency,
    cacheTtlMs: c.cacheTtlMs,
    stepMs: c.stepMs,
    rateWindowMs: c.rateWindowMs ?? c.stepMs,
    requestStack: c.requestStack,
    resourceStack: c.resourceStack,
    overrides: Object.keys(c.queries),
  };
}

/** A URL fit for logs and error messages: user info, query and fragment removed. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

const num = (s: string | undefined) => (s === undefined ? undefined : Number(s));

/** An empty variable is an unset one (`PROMETHEUS_URL=` in a manifest disables metrics). */
function blankless(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(PrometheusEnvSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v.trim() !== '') out[key] = v.trim();
  }
  return out;
}

const CONFIG_TO_ENV: Record<string, string> = {
  url: 'PROMETHEUS_URL',
  timeoutMs: 'PROMETHEUS_TIMEOUT_MS',
  retries: 'PROMETHEUS_RETRIES',
  maxConcurrency: 'PROMETHEUS_MAX_CONCURRENCY',
  cacheTtlMs: 'PROMETHEUS_CACHE_TTL_MS',
  maxSeries: 'PROMETHEUS_MAX_SERIES',
  stepMs: 'PROMETHEUS_STEP',
  rateWindowMs: 'PROMETHEUS_RATE_WINDOW',
  requestStack: 'PROMETHEUS_STACK',
  resourceStack: 'PROMETHEUS_RESOURCE_STACK',
  tls: 'PROMETHEUS_CA_FILE/CERT_FILE/KEY_FILE',
  auth: 'PROMETHEUS_TOKEN/USERNAME/PASSWORD',
  ...Object.fromEntries(Object.entries(OVERRIDE_VARS).map(([s, v]) => [`queries.${s}`, v])),
};

function envName(path: ReadonlyArray<PropertyKey>): string {
  const dotted = path.map(String).join('.');
  return CONFIG_TO_ENV[dotted] ?? CONFIG_TO_ENV[String(path[0])] ?? dotted;
}
