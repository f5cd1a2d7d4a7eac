import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { metricsRegistry } from '#observability';
import {
  matrix,
  startPrometheusDouble,
  type DoubleAnswer,
  type PrometheusDouble,
  type RecordedRequest,
} from '../../../../test/support/prometheus-double.js';
import { PrometheusConfigSchema, type PrometheusConfig } from './prometheus-config.js';
import { parseAnswer, PrometheusHttpClient, PrometheusQueryError } from './prometheus-http-client.js';

const config = (over: Partial<PrometheusConfig> & { url: string }): PrometheusConfig =>
  PrometheusConfigSchema.parse({ auth: { kind: 'none' }, tls: {}, retries: 2, ...over });
const range = { kind: 'range', query: 'up', startMs: 60_000, endMs: 180_000, stepMs: 60_000 } as const;
const OK = { json: matrix([{ metric: { pod: 'a' }, values: [[60, '1']] }]) };

let prom: PrometheusDouble | undefined;
let client: PrometheusHttpClient | undefined;
afterEach(async () => {
  await client?.close();
  await prom?.close();
  client = prom = undefined;
});

async function serve(handler: (req: RecordedRequest, i: number) => DoubleAnswer | Promise<DoubleAnswer>) {
  prom = await startPrometheusDouble(handler);
  return prom;
}

async function failure(p: Promise<unknown>): Promise<PrometheusQueryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PrometheusQueryError);
  return err as PrometheusQueryError;
}

async function counterValue(name: string, labels: Record<string, string>): Promise<number> {
  const metric = await metricsRegistry.getSingleMetric(name)!.get();
  return metric.values
    .filter((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l))
    .reduce((s, v) => s + v.value, 0);
}

describe('PrometheusHttpClient', () => {
  it('POSTs a form to query_range or query under the base path, with the evaluation time-out', async () => {
    const p = await serve(() => OK);
    client = new PrometheusHttpClient(config({ url: `${p.url}/prom/`, timeoutMs: 2_500 }));
    const answer = await client.queryMatrix(range, 't');
    expect(answer.series).toEqual([{ metric: { pod: 'a' }, values: [[60, '1']] }]);
    await client.queryMatrix({ kind: 'instant', query: 'x[5m]', timeMs: 1_695_405_961_500 }, 't');
    expect(p.requests.map((r) => [r.method, r.path, r.headers['content-type'], r.form])).toEqual([
      [
        'POST',
        '/prom/api/v1/query_range',
        'application/x-www-form-urlencoded',
        { query: 'up', start: '60', end: '180', step: '60', timeout: '2.5' },
      ],
      [
        'POST',
        '/prom/api/v1/query',
        'application/x-www-form-urlencoded',
        { query: 'x[5m]', time: '1695405961.5', timeout: '2.5' },
      ],
    ]);
    expect(p.requests[0].headers.authorization).toBeUndefined();
  });

  it('sends a bearer token, re-reading its file at each request (a rotated token is picked up), or basic auth', async () => {
    const p = await serve(() => OK);
    const dir = mkdtempSync(`${tmpdir()}/ia-prom-`);
    writeFileSync(`${dir}/token`, 'first-token\n');
    client = new PrometheusHttpClient(
      config({ url: p.url, auth: { kind: 'bearer-file', tokenFile: `${dir}/token` } }),
    );
    await client.queryMatrix(range, 't');
    writeFileSync(`${dir}/token`, 'second-token');
    await client.queryMatrix(range, 't');
    await client.close();
    client = new PrometheusHttpClient(
      config({ url: p.url, auth: { kind: 'basic', username: 'ia', password: 'pw' } }),
    );
    await client.queryMatrix(range, 't');
    expect(p.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer first-token',
      'Bearer second-token',
      `Basic ${Buffer.from('ia:pw').toString('base64')}`,
    ]);
  });

  it('fails clearly when a credentials file cannot be read, naming the file, not retrying', async () => {
    const p = await serve(() => OK);
    client = new PrometheusHttpClient(
      config({ url: p.url, auth: { kind: 'bearer-file', tokenFile: '/nonexistent/token' } }),
    );
    const err = await failure(client.queryMatrix(range, 't'));
    expect(err.message).toBe('cannot read PROMETHEUS_TOKEN_FILE /nonexistent/token (ENOENT)');
    expect(err.outcome).toBe('credentials');
    expect(p.requests).toHaveLength(0);
  });

  it('retries a 5xx with backoff, then answers', async () => {
    const p = await serve((_r, i) =>
      i < 2 ? { status: 503, json: { status: 'error', errorType: 'unavailable', error: 'starting' } } : OK,
    );
    client = new PrometheusHttpClient(config({ url: p.url, retries: 2 }));
    const retries = await counterValue('ia_prometheus_query_retries_total', { template: 'retry-test' });
    const answer = await client.queryMatrix(range, 'retry-test');
    expect(answer.series).toHaveLength(1);
    expect(p.requests).toHaveLength(3);
    expect(await counterValue('ia_prometheus_query_retries_total', { template: 'retry-test' })).toBe(
      retries + 2,
    );
  });

  it('gives up after the retries with HTTP status, error type and Prometheus own message', async () => {
    const p = await serve(() => ({
      status: 500,
      json: { status: 'error', errorType: 'internal', error: 'boom' },
    }));
    client = new PrometheusHttpClient(config({ url: p.url, retries: 1 }));
    const before = await counterValue('ia_prometheus_queries_total', {
      template: 'fail-test',
      outcome: 'http_5xx',
    });
    const err = await failure(client.queryMatrix(range, 'fail-test'));
    expect(err.message).toBe('HTTP 500 internal: boom');
    expect(p.requests).toHaveLength(2);
    expect(
      await counterValue('ia_prometheus_queries_total', { template: 'fail-test', outcome: 'http_5xx' }),
    ).toBe(before + 1);
  });

  it('does not retry a 4xx: a wrong query stays wrong', async () => {
    const p = await serve(() => ({
      status: 400,
      json: { status: 'error', errorType: 'bad_data', error: '1:7: parse error: unexpected end of input' },
    }));
    client = new PrometheusHttpClient(config({ url: p.url, retries: 3 }));
    const err = await failure(client.queryMatrix(range, 't'));
    expect(err.message).toBe('HTTP 400 bad_data: 1:7: parse error: unexpected end of input');
    expect(err.outcome).toBe('http_4xx');
    expect(p.requests).toHaveLength(1);
  });

  it("does not retry Prometheus' own evaluation time-out", async () => {
    const p = await serve(() => ({
      status: 503,
      json: { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' },
    }));
    client = new PrometheusHttpClient(config({ url: p.url, retries: 3 }));
    expect((await failure(client.queryMatrix(range, 't'))).message).toMatch(
      /^HTTP 503 timeout: query timed out/,
    );
    expect(p.requests).toHaveLength(1);
  });

  it("shows the start of a proxy's error page", async () => {
    const p = await serve(() => ({
      status: 502,
      text: '<html><body>\n<h1>502 Bad Gateway</h1></body></html>',
      contentType: 'text/html; charset=utf-8',
    }));
    client = new PrometheusHttpClient(config({ url: p.url, retries: 0 }));
    expect((await failure(client.queryMatrix(range, 't'))).message).toBe(
      'HTTP 502: <html><body> <h1>502 Bad Gateway</h1></body></html> (text/html)',
    );
  });

  it('times out a slow Prometheus, and does not ask it again', async () => {
    const p = await serve(() => ({ hang: true }));
    client = new PrometheusHttpClient(config({ url: p.url, timeoutMs: 200, retries: 2 }));
    const t0 = Date.now();
    const err = await failure(client.queryMatrix(range, 't'));
    expect(err.message).toBe('timed out after 200 ms');
    expect(err.outcome).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(p.requests).toHaveLength(1);
  });

  it('times out a body that trickles in too slowly', async () => {
    const { createServer } = await import('node:http');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":"success",');
      // ...and the rest never comes.
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      client = new PrometheusHttpClient(
        config({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, timeoutMs: 200 }),
      );
      expect((await failure(client.queryMatrix(range, 't'))).outcome).toBe('timeout');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('retries an unreachable Prometheus, then says so with the network error', async () => {
    const p = await serve(() => OK);
    const url = p.url;
    await p.close();
    prom = undefined;
    client = new PrometheusHttpClient(config({ url, retries: 1 }));
    const retries = await counterValue('ia_prometheus_query_retries_total', { template: 'down-test' });
    const err = await failure(client.queryMatrix(range, 'down-test'));
    expect(err.message).toMatch(/^unreachable \(connect ECONNREFUSED 127\.0\.0\.1:\d+\)$/);
    expect(err.outcome).toBe('unreachable');
    expect(await counterValue('ia_prometheus_query_retries_total', { template: 'down-test' })).toBe(
      retries + 1,
    );
  });

  it('keeps at most maxConcurrency queries in flight', async () => {
    const p = await serve(() => ({ ...OK, delayMs: 50 }));
    client = new PrometheusHttpClient(config({ url: p.url, maxConcurrency: 3 }));
    await Promise.all(Array.from({ length: 10 }, () => client!.queryMatrix(range, 't')));
    expect(p.requests).toHaveLength(10);
    expect(p.maxInFlight).toBe(3);
  });

  it('starts the time limit when a query is sent, not while it waits for a free slot', async () => {
    const p = await serve(() => ({ ...OK, delayMs: 150 }));
    client = new PrometheusHttpClient(config({ url: p.url, maxConcurrency: 1, timeoutMs: 400 }));
    const answers = await Promise.all(Array.from({ length: 4 }, () => client!.queryMatrix(range, 't')));
    expect(answers).toHaveLength(4);
    expect(p.maxInFlight).toBe(1);
  });

  it('refuses an answer larger than the limit', async () => {
    const big = matrix(
      Array.from({ length: 100 }, (_, i) => ({ metric: { pod: `p${i}` }, values: [[60, '1']] })),
    );
    const p = await serve(() => ({ json: big }));
    client = new PrometheusHttpClient(config({ url: p.url, maxResponseBytes: 1_000 }));
    const err = await failure(client.queryMatrix(range, 't'));
    expect(err.message).toMatch(/^answer larger than 1000 bytes/);
    expect(err.outcome).toBe('bad_response');
  });

  it('fails at start-up, not at the first ranking, when a TLS file cannot be read', () => {
    expect(
      () =>
        new PrometheusHttpClient(
          config({ url: 'https://p', tls: { caFile: '/nonexistent/ca.pem', insecureSkipVerify: false } }),
        ),
    ).toThrow(/^Prometheus settings: cannot read PROMETHEUS_CA_FILE \/nonexistent\/ca.pem: ENOENT/);
  });

  it('says what it got when the answer is not a matrix', () => {
    const vector = JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } });
    expect(() => parseAnswer(200, 'application/json', vector)).toThrow(/expected a matrix, got vector/);
    expect(() => parseAnswer(200, 'text/plain', 'hello')).toThrow(/unexpected answer: hello \(text\/plain\)/);
  });

  const openssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
  it.skipIf(!openssl)(
    "checks the server's certificate: with the CA file it connects, without it it refuses",
    async () => {
      const dir = mkdtempSync(`${tmpdir()}/ia-prom-tls-`);
      const made = spawnSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          `${dir}/key.pem`,
          '-out',
          `${dir}/cert.pem`,
        ]),
        { stdio: 'ignore' },
      );
      expect(made.status).toBe(0);
      const server = createHttpsServer(
        { key: readFileSync(`${dir}/key.pem`), cert: readFileSync(`${dir}/cert.pem`) },
        (_req, res) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify(OK.json));
        },
      );
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
      try {
        client = new PrometheusHttpClient(config({ url, retries: 0 }));
        const err = await failure(client.queryMatrix(range, 't'));
        expect(err.message).toMatch(/^unreachable \(.*(self.signed|certificate)/i);
        await client.close();
        client = new PrometheusHttpClient(
          config({ url, tls: { caFile: `${dir}/cert.pem`, insecureSkipVerify: false } }),
        );
        expect((await client.queryMatrix(range, 't')).series).toHaveLength(1);
        await client.close();
        client = new PrometheusHttpClient(config({ url, tls: { insecureSkipVerify: true } }));
        expect((await client.queryMatrix(range, 't')).series).toHaveLength(1);
      } finally {
        server.closeAllConnections();
        server.close();
      }
    },
  );
});
