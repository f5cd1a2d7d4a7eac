import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** A non-2xx answer of the API server, with its HTTP status and the Status object's reason when it sent one. */
export class KubeApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly path: string,
    readonly reason?: string,
    message?: string,
  ) {
    super(`${path}: HTTP ${statusCode}${reason ? ` ${reason}` : ''}${message ? `: ${message}` : ''}`);
    this.name = 'KubeApiError';
  }

  get gone(): boolean {
    return this.statusCode === 410;
  }
}

export type Query = Record<string, string | number | boolean | undefined>;

/**
 * The small part of the API server's HTTP surface the watcher needs (GET JSON, GET a watch stream), on top of
 * the client library's KubeConfig for addresses, TLS and credentials (token files and exec plugins are applied
 * per request, so rotated tokens are picked up).
 *
 * Plain node:http rather than the library's `Watch`: we need the response stream itself, to pause it when the
 * publish buffer is full (TCP backpressure), and no client-side 30 s abort of quiet watches (client-node #3020).
 */
export class KubeApiClient {
  constructor(
    private readonly kc: KubeConfig,
    private readonly requestTimeoutMs = 60_000,
  ) {}

  get server(): string {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('kubeconfig has no current cluster');
    return cluster.server;
  }

  async getJson<T>(path: string, query: Query = {}, signal?: AbortSignal): Promise<T> {
    const res = await this.open(path, query, signal, this.requestTimeoutMs);
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
  }

  /**
   * Opens a GET whose body is consumed as a stream (watch). Resolves once the status line is in; a non-2xx
   * status rejects with KubeApiError. `idleTimeoutMs` destroys a connection that stays silent that long (a dead
   * peer behind a NAT never sends a FIN); with bookmarks on, a live watch is never that quiet.
   */
  stream(path: string, query: Query, signal: AbortSignal, idleTimeoutMs: number): Promise<IncomingMessage> {
    return this.open(path, query, signal, idleTimeoutMs);
  }

  private async open(path: string, query: Query, signal: AbortSignal | undefined, timeoutMs: number) {
    const url = new URL(this.server.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: RequestOptions & Record<string, unknown> = { headers: { Accept: 'application/json' } };
    await this.kc.applyToHTTPSOptions(opts);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(url, { ...opts, method: 'GET', signal, timeout: timeoutMs }, (res) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve(res);
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          let reason: string | undefined;
          let message: string | undefined;
          try {
            const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
              reason?: string;
              message?: string;
            };
            reason = body.reason;
            message = body.message;
          } catch {
            // not a Status object; the HTTP status says enough
          }
          reject(new KubeApiError(status, url.pathname, reason, message));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no data from ${url.pathname} for ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end();
    });
  }
}
