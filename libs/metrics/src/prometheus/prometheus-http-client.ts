import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, fetch } from 'undici';
import { safeUrl, type PrometheusConfig } from './prometheus-config.js';
import { prometheusClientMetrics as metrics } from './prometheus-client.metrics.js';

// Node's fetch is undici; the package itself is used because a CA file, a client certificate and
// insecure-skip-verify need an undici Agent as the dispatcher, and Agent and fetch must come from the same undici.
// No Prometheus client library: the npm ones wrap axios and parse results into objects of their own, without the
// retry, concurrency cap and result limits this needs; the query API is two form-encoded POSTs.

/** A range query (evaluated at each step) or an instant one (used for range-vector selectors: raw samples). */
export type PrometheusRequest =
  | { kind: 'range'; query: string; startMs: number; endMs: number; stepMs: number }
  | { kind: 'instant'; query: string; timeMs: number };

/** One series of a matrix answer, as Prometheus sends it. */
export interface MatrixSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

export interface MatrixAnswer {
  series: MatrixSeries[];
  warnings: string[];
  /** Size of the response body, for the cache's accounting. */
  bytes: number;
}

export type QueryOutcome =
  'ok' | 'http_4xx' | 'http_5xx' | 'timeout' | 'unreachable' | 'bad_response' | 'credentials';

/** Why a query failed, in words for the ranking's explanation, and as an outcome for the client's metrics. */
export class PrometheusQueryError extends Error {
  override readonly name = 'PrometheusQueryError';
  constructor(
    message: string,
    readonly outcome: Exclude<QueryOutcome, 'ok'>,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

/**
 * Prometheus' HTTP query API (`/api/v1/query_range`, `/api/v1/query`; POST, form-encoded, so long queries fit):
 * authentication, TLS, a time limit per request, a few retries with jittered exponential backoff on 5xx and
 * network errors (never on 4xx: the query is wrong, asking again does not help; never on a time-out: a slow
 * server asked again is slower), and at most `maxConcurrency` requests in flight across all callers.
 */
export class PrometheusHttpClient {
  readonly where: string;
  private readonly base: string;
  private readonly dispatcher: Agent;
  private readonly limit: LimitFunction;

  constructor(private readonly config: PrometheusConfig) {
    this.where = safeUrl(config.url);
    const u = new URL(config.url);
    u.username = '';
    u.password = '';
    this.base = u.toString().replace(/\/+$/, '');
    const tls = config.tls;
    const file = (what: string, path?: string) => {
      if (!path) return undefined;
      try {
        return readFileSync(path);
      } catch (err) {
        throw new Error(`Prometheus settings: cannot read ${what} ${path}: ${(err as Error).message}`, {
          cause: err,
        });
      }
    };
    this.dispatcher = new Agent({
      connect: {
        ca: file('PROMETHEUS_CA_FILE', tls.caFile),
        cert: file('PROMETHEUS_CERT_FILE', tls.certFile),
        key: file('PROMETHEUS_KEY_FILE', tls.keyFile),
        rejectUnauthorized: !tls.insecureSkipVerify,
      },
    });
    this.limit = pLimit(config.maxConcurrency);
  }

  /** Runs one query (with retries) and returns its matrix; `template` labels the client's metrics. */
  async queryMatrix(req: PrometheusRequest, template: string): Promise<MatrixAnswer> {
    const started = performance.now();
    let outcome: QueryOutcome = 'ok';
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          return await this.limit(() => this.once(req));
        } catch (err) {
          const e = asQueryError(err);
          if (!e.retryable || attempt >= this.config.retries) throw e;
          metrics.retries.inc({ template });
          await sleep(backoffMs(attempt));
        }
      }
    } catch (err) {
      outcome = (err as PrometheusQueryError).outcome;
      throw err;
    } finally {
      metrics.queries.inc({ template, outcome });
      metrics.seconds.observe({ template, outcome }, (performance.now() - started) / 1000);
    }
  }

  async close(): Promise<void> {
    await this.dispatcher.close();
  }

  private async once(req: PrometheusRequest): Promise<MatrixAnswer> {
    const body = new URLSearchParams({ query: req.query });
    if (req.kind === 'range') {
      body.set('start', seconds(req.startMs));
      body.set('end', seconds(req.endMs));
      body.set('step', seconds(req.stepMs));
    } else {
      body.set('time', seconds(req.timeMs));
    }
    // Prometheus stops evaluating when the client has stopped waiting.
    body.set('timeout', seconds(this.config.timeoutMs));
    const path = req.kind === 'range' ? '/api/v1/query_range' : '/api/v1/query';
    const headers: Record<string, string> = {
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': 'incident-assistant',
      ...(await this.authorization()),
    };
    const signal = AbortSignal.timeout(this.config.timeoutMs);
    metrics.inFlight.inc();
    try {
      const res = await fetch(`${this.base}${path}`, {
        method: 'POST',
        body: body.toString(),
        headers,
        signal,
        dispatcher: this.dispatcher,
      });
      const text = await readCapped(res.body, this.config.maxResponseBytes);
      return parseAnswer(res.status, res.headers.get('content-type') ?? '', text);
    } catch (err) {
      if (err instanceof PrometheusQueryError) throw err;
      if (signal.aborted)
        throw new PrometheusQueryError(`timed out after ${this.config.timeoutMs} ms`, 'timeout', false);
      throw new PrometheusQueryError(`unreachable (${networkReason(err)})`, 'unreachable', true);
    } finally {
      metrics.inFlight.dec();
    }
  }

  /** The Authorization header; files are read at each request so that a rotated token or password is picked up. */
  private async authorization(): Promise<Record<string, string>> {
    const a = this.config.auth;
    const read = async (what: string, path: string) => {
      try {
        return (await readFile(path, 'utf8')).trim();
      } catch (err) {
        throw new PrometheusQueryError(
          `cannot read ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
          'credentials',
          false,
        );
      }
    };
    switch (a.kind) {
      case 'none':
        return {};
      case 'bearer':
        return { authorization: `Bearer ${a.token}` };
      case 'bearer-file':
        return { authorization: `Bearer ${await read('PROMETHEUS_TOKEN_FILE', a.tokenFile)}` };
      case 'basic':
        return { authorization: basic(a.username, a.password) };
      case 'basic-file':
        return {
          authorization: basic(a.username, await read('PROMETHEUS_PASSWORD_FILE', a.passwordFile)),
        };
    }
  }
}

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;

/** Unix seconds with millisecond precision, as the API reads times, steps and timeouts. */
const seconds = (ms: number) => String(Math.round(ms) / 1000);

/** Full jitter over an exponential cap: 100-200 ms, 200-400 ms, ... up to 2 s. */
export function backoffMs(attempt: number): number {
  const cap = Math.min(2_000, 200 * 2 ** attempt);
  return Math.round(cap / 2 + (Math.random() * cap) / 2);
}

function asQueryError(err: unknown): PrometheusQueryError {
  if (err instanceof PrometheusQueryError) return err;
  return new PrometheusQueryError(
    `failed (${(err as Error)?.message ?? String(err)})`,
    'bad_response',
    false,
  );
}

/** The network error's code and address (`connect ECONNREFUSED 127.0.0.1:9`), not undici's "fetch failed". */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.message ?? cause?.code ?? (err as Error)?.message ?? String(err);
}

async function readCapped(body: AsyncIterable<Uint8Array> | null, max: number): Promise<string> {
  if (!body) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > max)
      throw new PrometheusQueryError(
        `answer larger than ${max} bytes (PROMETHEUS_MAX_SERIES or a narrower template may help)`,
        'bad_response',
        false,
      );
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

interface ApiAnswer {
  status?: string;
  errorType?: string;
  error?: string;
  warnings?: string[];
  data?: { resultType?: string; result?: unknown };
}

/** Prometheus' answer, or an error that says what went wrong in Prometheus' own words. */
export function parseAnswer(status: number, contentType: string, text: string): MatrixAnswer {
  let json: ApiAnswer | undefined;
  try {
    json = JSON.parse(text) as ApiAnswer;
  } catch {
    json = undefined;
  }
  const ok = status >= 200 && status < 300;
  if (!ok || json?.status !== 'success') {
    const kind = json?.errorType ? ` ${json.errorType}` : '';
    const detail = json?.error ?? snippet(text, contentType);
    const server = status >= 500;
    // Prometheus' own evaluation time-out (503, errorType timeout) is not retried: asking again is as slow.
    const retryable = server && json?.errorType !== 'timeout';
    if (!ok)
      throw new PrometheusQueryError(
        `HTTP ${status}${kind}${detail ? `: ${detail}` : ''}`,
        status >= 500 ? 'http_5xx' : 'http_4xx',
        retryable,
      );
    throw new PrometheusQueryError(`unexpected answer: ${detail || 'not JSON'}`, 'bad_response', false);
  }
  const result = json.data?.result;
  if (json.data?.resultType !== 'matrix' || !Array.isArray(result))
    throw new PrometheusQueryError(
      `expected a matrix, got ${json.data?.resultType ?? 'nothing'} (a template with {{range}} must be a range-vector selector)`,
      'bad_response',
      false,
    );
  return { series: result as MatrixSeries[], warnings: json.warnings ?? [], bytes: Buffer.byteLength(text) };
}

/** The start of a body that is not Prometheus' JSON (a proxy's error page), on one line. */
function snippet(text: string, contentType: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (!flat) return '';
  const type = contentType.split(';')[0];
  return `${flat.slice(0, 200)}${flat.length > 200 ? '…' : ''}${type ? ` (${type})` : ''}`;
}
