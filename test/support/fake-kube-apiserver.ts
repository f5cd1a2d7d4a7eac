import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import {
  apiGroupList,
  apiResourceList,
  DEFAULT_FAKE_RESOURCES,
  resourceKey,
  type FakeResourceDef,
} from './fake-kube-resources.js';

export type { FakeResourceDef } from './fake-kube-resources.js';

type Obj = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    [k: string]: unknown;
  };
  [k: string]: unknown;
};
type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface Stored {
  def: FakeResourceDef;
  objects: Map<string, Obj>;
  history: Array<{ rv: number; type: EventType; object: Obj }>;
}

interface Watcher {
  resource: string;
  namespace?: string;
  res: ServerResponse;
  bookmarks: boolean;
  /** Live events wait here while the socket is not writable (the client paused reading). */
  backlog: string[];
  draining: boolean;
}

export interface FakeKubeApiServerOptions {
  resources?: FakeResourceDef[];
  /** How often watches with allowWatchBookmarks get a BOOKMARK (the real server: about once a minute). */
  bookmarkIntervalMs?: number;
  /** How a watch from a compacted resourceVersion fails: an ERROR event in a 200 stream (as kube-apiserver does) or HTTP 410. */
  goneAs?: 'event' | 'http';
}

/**
 * A test double of kube-apiserver's list/watch surface on 127.0.0.1: discovery (/api, /api/v1, /apis,
 * /apis/<g>/<v>), paginated consistent lists (limit/continue over a snapshot taken at the first page), watches
 * from a resourceVersion with history replay and BOOKMARKs, 410 Gone after `compact()`, dropped connections,
 * resources (CRDs) added and removed at run time. Reached by clients through an ordinary kubeconfig.
 */
export class FakeKubeApiServer {
  private readonly server: Server;
  private readonly stores = new Map<string, Stored>();
  private readonly watchers = new Set<Watcher>();
  private readonly continuations = new Map<string, { items: Obj[]; offset: number; rv: number }>();
  private rv = 1000;
  private compactedRv = 0;
  private bookmarkTimer?: NodeJS.Timeout;
  private readonly failures: Array<{ match: RegExp; status: number; times: number }> = [];
  /** Every request's path and query, for assertions on how the client behaved. */
  readonly requests: Array<{ path: string; query: Record<string, string> }> = [];
  url = '';

  private constructor(private readonly options: FakeKubeApiServerOptions) {
    for (const def of options.resources ?? DEFAULT_FAKE_RESOURCES) this.defineResource(def);
    this.server = createServer((req, res) => this.handle(req, res));
  }

  static async start(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const s = new FakeKubeApiServer(options);
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}`;
    s.bookmarkTimer = setInterval(() => s.sendBookmarks(), options.bookmarkIntervalMs ?? 1_000);
    s.bookmarkTimer.unref();
    return s;
  }

  async close(): Promise<void> {
    clearInterval(this.bookmarkTimer);
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** A kubeconfig (YAML) pointing at this server, with a token user. */
  kubeconfigYaml(context = 'fake'): string {
    return [
      'apiVersion: v1',
      'kind: Config',
      `current-context: ${context}`,
      // client-node sends a token over plain HTTP only with skip-TLS-verify set (it is a loopback test server).
      `clusters: [{name: fake, cluster: {server: "${this.url}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: fake, user: {token: fake-token}}]',
      `contexts: [{name: ${context}, context: {cluster: fake, user: fake}}]`,
      '',
    ].join('\n');
  }

  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromString(this.kubeconfigYaml());
    return kc;
  }

  get resourceVersion(): string {
    return String(this.rv);
  }

  get activeWatches(): number {
    return this.watchers.size;
  }

  // ---- resources (CRDs) -------------------------------------------------------------------------------------

  defineResource(def: FakeResourceDef): void {
    this.stores.set(resourceKey(def.group, def.plural), { def, objects: new Map(), history: [] });
  }

  /** Removes a resource as deleting its CRD does: its objects are deleted (watchers see DELETED), then it is gone. */
  removeResource(group: string, plural: string): void {
    const key = resourceKey(group, plural);
    const store = this.store(key);
    for (const o of [...store.objects.values()])
      this.delete(group, plural, o.metadata.name, o.metadata.namespace);
    for (const w of this.watchers) if (w.resource === key) w.res.destroy();
    this.stores.delete(key);
  }

  // ---- objects ----------------------------------------------------------------------------------------------

  create(group: string, plural: string, object: Omit<Obj, 'metadata'> & { metadata: Obj['metadata'] }): Obj {
    const store = this.store(resourceKey(group, plural));
    const stored = this.stamp(store.def, structuredClone(object) as Obj, randomUUID());
    const key = objKey(stored);
    if (store.objects.has(key)) throw new Error(`fake apiserver: ${key} already exists`);
    return this.commit(store, 'ADDED', stored);
  }

  /** Applies `mutate` to a copy of the object and stores it under a new resourceVersion. */
  update(
    group: string,
    plural: string,
    name: string,
    namespace: string | undefined,
    mutate: (o: Obj) => void,
  ): Obj {
    const store = this.store(resourceKey(group, plural));
    const current = store.objects.get(objKey({ metadata: { name, namespace } }));
    if (!current) throw new Error(`fake apiserver: ${namespace ?? ''}/${name} not found`);
    const next = structuredClone(current);
    mutate(next);
    return this.commit(store, 'MODIFIED', this.stamp(store.def, next, current.metadata.uid!));
  }

  delete(group: string, plural: string, name: string, namespace?: string): Obj {
    const store = this.store(resourceKey(group, plural));
    const current = store.objects.get(objKey({ metadata: { name, namespace } }));
    if (!current) throw new Error(`fake apiserver: ${namespace ?? ''}/${name} not found`);
    return this.commit(
      store,
      'DELETED',
      this.stamp(store.def, structuredClone(current), current.metadata.uid!),
    );
  }

  list(group: string, plural: string): Obj[] {
    return [...this.store(resourceKey(group, plural)).objects.values()];
  }

  // ---- faults -----------------------------------------------------------------------------------------------

  /** Cuts every open watch connection (as a load balancer or an apiserver restart would). */
  dropWatches(): void {
    for (const w of this.watchers) w.res.destroy();
    this.watchers.clear();
  }

  /** As etcd compaction: history up to now is gone; a watch or continue from an older resourceVersion gets 410. */
  compact(): void {
    this.compactedRv = this.rv;
    for (const s of this.stores.values()) s.history = [];
  }

  /** The next `times` requests whose path matches answer `status` (with a Status body). */
  failNext(match: RegExp, status: number, times = 1): void {
    this.failures.push({ match, status, times });
  }

  /**
   * Streams `count` events to the open watches of a resource without storing them (benchmarks: millions of
   * ~4 KiB objects without the server's memory in the measurement). Honours the socket's backpressure.
   */
  async streamGenerated(
    group: string,
    plural: string,
    count: number,
    make: (i: number, resourceVersion: string) => { type: EventType; object: Obj },
  ): Promise<void> {
    const key = resourceKey(group, plural);
    const targets = [...this.watchers].filter((w) => w.resource === key);
    if (targets.length === 0) throw new Error(`fake apiserver: no watch open on ${key}`);
    for (let i = 0; i < count; i++) {
      const line = JSON.stringify(make(i, String(++this.rv))) + '\n';
      for (const w of targets) {
        if (!w.res.write(line))
          await new Promise<void>((r) =>
            w.res.writableEnded ? r() : w.res.once('drain', r).once('close', r),
          );
      }
    }
  }

  // ---- HTTP -------------------------------------------------------------------------------------------------

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://x');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ path: url.pathname, query });
    const failure = this.failures.find((f) => f.times > 0 && f.match.test(url.pathname));
    if (failure) {
      failure.times--;
      return status(
        res,
        failure.status,
        failure.status === 410 ? 'Expired' : 'InternalError',
        'injected failure',
      );
    }
    const parts = url.pathname.split('/').filter(Boolean);
    const defs = [...this.stores.values()].map((s) => s.def);
    if (url.pathname === '/api') return json(res, 200, { kind: 'APIVersions', versions: ['v1'] });
    if (url.pathname === '/api/v1')
      return json(
        res,
        200,
        apiResourceList(
          'v1',
          defs.filter((d) => !d.group),
        ),
      );
    if (url.pathname === '/apis') return json(res, 200, apiGroupList(defs));
    if (parts[0] === 'apis' && parts.length === 3) {
      const served = defs.filter(
        (d) => d.group === parts[1] && (d.version === parts[2] || d.otherVersions?.includes(parts[2])),
      );
      if (served.length === 0) return status(res, 404, 'NotFound', 'group version not served');
      return json(res, 200, apiResourceList(`${parts[1]}/${parts[2]}`, served));
    }
    // /api/v1/[namespaces/<ns>/]<plural>  or  /apis/<g>/<v>/[namespaces/<ns>/]<plural>
    const [group, rest] = parts[0] === 'api' ? ['', parts.slice(2)] : [parts[1], parts.slice(3)];
    const [namespace, plural] =
      rest.length === 3 && rest[0] === 'namespaces' ? [rest[1], rest[2]] : [undefined, rest[0]];
    const store = this.stores.get(resourceKey(group ?? '', plural ?? ''));
    if (!store || (rest.length !== 1 && rest.length !== 3))
      return status(res, 404, 'NotFound', 'the server could not find the requested resource');
    if (query.watch === 'true' || query.watch === '1') return this.watch(res, store, namespace, query);
    return this.listPage(res, store, namespace, query);
  }

  private listPage(
    res: ServerResponse,
    store: Stored,
    namespace: string | undefined,
    q: Record<string, string>,
  ): void {
    const limit = q.limit ? Number(q.limit) : Infinity;
    let page: { items: Obj[]; offset: number; rv: number };
    if (q.continue) {
      const c = this.continuations.get(q.continue);
      if (!c || c.rv < this.compactedRv)
        return status(res, 410, 'Expired', 'The provided continue parameter is too old');
      page = c;
      this.continuations.delete(q.continue);
    } else {
      const items = [...store.objects.values()]
        .filter((o) => !namespace || o.metadata.namespace === namespace)
        .sort((a, b) => objKey(a).localeCompare(objKey(b)));
      page = { items, offset: 0, rv: this.rv };
    }
    const items = page.items.slice(page.offset, page.offset + limit);
    const next = page.offset + items.length;
    let token = '';
    if (next < page.items.length) {
      token = randomUUID();
      this.continuations.set(token, { items: page.items, offset: next, rv: page.rv });
    }
    const { apiVersion, kind } = gvk(store.def);
    json(res, 200, {
      apiVersion,
      kind: `${kind}List`,
      metadata: {
        resourceVersion: String(page.rv),
        ...(token ? { continue: token, remainingItemCount: page.items.length - next } : {}),
      },
      // Like the real server: list items carry no apiVersion/kind.
      items: items.map(({ apiVersion: _a, kind: _k, ...o }) => o),
    });
  }

  private watch(
    res: ServerResponse,
    store: Stored,
    namespace: string | undefined,
    q: Record<string, string>,
  ): void {
    const from = q.resourceVersion && q.resourceVersion !== '0' ? Number(q.resourceVersion) : undefined;
    if (from !== undefined && from < this.compactedRv) {
      if (this.options.goneAs === 'http')
        return status(res, 410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          type: 'ERROR',
          object: {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'Expired',
            code: 410,
            message: `too old resource version: ${from} (${this.compactedRv})`,
          },
        }) + '\n',
      );
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    const key = resourceKey(store.def.group, store.def.plural);
    const w: Watcher = {
      resource: key,
      namespace,
      res,
      bookmarks: q.allowWatchBookmarks === 'true',
      backlog: [],
      draining: false,
    };
    const visible = (o: Obj) => !namespace || o.metadata.namespace === namespace;
    if (from === undefined) {
      for (const o of store.objects.values()) if (visible(o)) this.write(w, { type: 'ADDED', object: o });
    } else {
      for (const e of store.history)
        if (e.rv > from && visible(e.object)) this.write(w, { type: e.type, object: e.object });
    }
    this.watchers.add(w);
    const timeout = q.timeoutSeconds
      ? setTimeout(() => res.end(), Number(q.timeoutSeconds) * 1000)
      : undefined;
    res.on('close', () => {
      clearTimeout(timeout);
      this.watchers.delete(w);
    });
  }

  private write(w: Watcher, event: unknown): void {
    this.writeLine(w, JSON.stringify(event) + '\n');
  }

  private writeLine(w: Watcher, line: string): void {
    if (w.draining) {
      w.backlog.push(line);
      return;
    }
    if (!w.res.write(line)) {
      w.draining = true;
      w.res.once('drain', () => {
        w.draining = false;
        const backlog = w.backlog.splice(0);
        for (const l of backlog) this.writeLine(w, l);
      });
    }
  }

  private sendBookmarks(): void {
    for (const w of this.watchers) {
      if (!w.bookmarks) continue;
      const { apiVersion, kind } = gvk(this.store(w.resource).def);
      this.write(w, {
        type: 'BOOKMARK',
        object: { apiVersion, kind, metadata: { resourceVersion: String(this.rv) } },
      });
    }
  }

  private commit(store: Stored, type: EventType, object: Obj): Obj {
    const key = objKey(object);
    if (type === 'DELETED') store.objects.delete(key);
    else store.objects.set(key, object);
    store.history.push({ rv: Number(object.metadata.resourceVersion), type, object });
    const resource = resourceKey(store.def.group, store.def.plural);
    for (const w of this.watchers) {
      if (w.resource === resource && (!w.namespace || w.namespace === object.metadata.namespace))
        this.write(w, { type, object });
    }
    return object;
  }

  private stamp(def: FakeResourceDef, o: Obj, uid: string): Obj {
    const { apiVersion, kind } = gvk(def);
    o.apiVersion = apiVersion;
    o.kind = kind;
    o.metadata = { ...o.metadata, uid, resourceVersion: String(++this.rv) };
    if (!def.namespaced) delete o.metadata.namespace;
    return o;
  }

  private store(key: string): Stored {
    const s = this.stores.get(key);
    if (!s) throw new Error(`fake apiserver: no resource ${key}`);
    return s;
  }
}

function gvk(def: FakeResourceDef) {
  return { apiVersion: def.group ? `${def.group}/${def.version}` : def.version, kind: def.kind };
}

function objKey(o: { metadata: { name: string; namespace?: string } }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function json(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function status(res: ServerResponse, code: number, reason: string, message: string): void {
  json(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message });
}
