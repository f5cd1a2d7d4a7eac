/**
 * A stand-in for Prometheus' HTTP query API in tests: a local HTTP server that records each request (path, headers,
 * form fields) and answers with what the test's handler says, possibly after a delay, possibly never. Also a
 * forwarding proxy to a real Prometheus that can be slowed down and counts what goes through.
 *
 *   const prom = await startPrometheusDouble((req) => ({ status: 200, json: matrix([...]) }));
 *   ... prom.url, prom.requests, prom.maxInFlight
 *   await prom.close();
 */
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An async request handler for createServer: a failure ends the response instead of an unhandled rejection. */
function serve(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    handle(req, res).catch((err: unknown) => res.destroy(err as Error));
  };
}

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: Record<string, string>;
}

export interface DoubleAnswer {
  status?: number;
  json?: unknown;
  /** A raw body instead of JSON (a proxy's error page). */
  text?: string;
  contentType?: string;
  delayMs?: number;
  /** Never answer (until the server closes). */
  hang?: boolean;
}

export interface PrometheusDouble {
  url: string;
  requests: RecordedRequest[];
  /** Most requests being answered at once. */
  maxInFlight: number;
  close(): Promise<void>;
}

/** A matrix answer of Prometheus' API. */
export function matrix(series: Array<{ metric: Record<string, string>; values: Array<[number, string]> }>) {
  return { status: 'success', data: { resultType: 'matrix', result: series } };
}

export async function startPrometheusDouble(
  handler: (req: RecordedRequest, index: number) => DoubleAnswer | Promise<DoubleAnswer>,
): Promise<PrometheusDouble> {
  const requests: RecordedRequest[] = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const open = new Set<ServerResponse>();
  const server = createServer(
    serve(async (req, res) => {
      inFlight++;
      state.maxInFlight = Math.max(state.maxInFlight, inFlight);
      open.add(res);
      res.on('close', () => {
        inFlight--;
        open.delete(res);
      });
      const body = await readBody(req);
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        form: Object.fromEntries(new URLSearchParams(body)),
      };
      const index = requests.push(recorded) - 1;
      const answer = await handler(recorded, index);
      if (answer.hang) return;
      if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
      if (res.destroyed) return;
      const text = answer.text ?? JSON.stringify(answer.json ?? matrix([]));
      res.writeHead(answer.status ?? 200, { 'content-type': answer.contentType ?? 'application/json' });
      res.end(text);
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get maxInFlight() {
      return state.maxInFlight;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

export interface PrometheusProxy {
  url: string;
  /** Requests forwarded so far, by API path. */
  forwarded: string[];
  /** Delay added before forwarding each request (ms); change it at any time. */
  delayMs: number;
  close(): Promise<void>;
}

/** Forwards to a real Prometheus, after `delayMs`: a slow Prometheus, and a count of the queries it is asked. */
export async function startPrometheusProxy(target: string): Promise<PrometheusProxy> {
  const t = new URL(target);
  const state: PrometheusProxy = {
    url: '',
    forwarded: [],
    delayMs: 0,
    close: async () => undefined,
  };
  const open = new Set<ServerResponse>();
  const server = createServer(
    serve(async (req, res) => {
      open.add(res);
      res.on('close', () => open.delete(res));
      const body = await readBody(req);
      if (state.delayMs) await new Promise((r) => setTimeout(r, state.delayMs));
      if (res.destroyed) return;
      state.forwarded.push((req.url ?? '').split('?')[0]);
      const upstream = httpRequest(
        {
          host: t.hostname,
          port: t.port,
          path: req.url,
          method: req.method,
          headers: { ...req.headers, host: t.host },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      for (const res of open) res.destroy();
      server.close(() => r());
      server.closeAllConnections();
    });
  return state;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
