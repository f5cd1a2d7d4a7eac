// The discrete-event core of the `--suite apps` generator: a time-ordered queue of actions, the API server's object
// store, and the recording of what `kubectl get --watch --output-watch-events -o json` would print for every write
// (resourceVersions are numbered once the whole recording is sorted, so they increase along the file).
//
// Core v1 Events go through the same aggregation and spam filter as client-go's EventCorrelator: an identical
// event (same object, reason, message, source) bumps `count` and `lastTimestamp` of the existing Event; a source
// may emit a burst of 25 events per object, then one every 5 minutes (which is why a crash-looping pod does not
// fill a real recording with BackOff events).

export const iso = (ms) => new Date(Math.round(ms)).toISOString();
export const isoSec = (ms) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
export const clone = (o) => (o === undefined ? undefined : JSON.parse(JSON.stringify(o)));
export const keyOf = (kind, ns, name) => `${kind}/${ns ?? ''}/${name}`;
export const MIN = 60_000;
export const SEC = 1000;

/** A binary heap of actions ordered by time, then by insertion. */
class Queue {
  constructor() {
    this.items = [];
  }
  push(e) {
    const a = this.items;
    a.push(e);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (before(a[p], a[i])) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }
  peek() {
    return this.items[0];
  }
  pop() {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l], a[m])) m = l;
        if (r < a.length && before(a[r], a[m])) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}
const before = (x, y) => x.t < y.t || (x.t === y.t && x.seq < y.seq);

/** Managers whose writes Kubernetes records with operation Apply (server-side apply); the rest are Update. */
const APPLY_MANAGERS = new Set(['argocd-controller', 'kubectl']);

export class Sim {
  constructor(rng, t0) {
    this.rng = rng;
    this.t0 = t0;
    this.now = t0;
    this.queue = new Queue();
    this.seq = 0;
    this.store = new Map();
    this.lines = [];
    this.events = new Map(); // aggregation key -> Event object
    this.spam = new Map(); // source+object -> { tokens, at }
  }

  /** Runs `fn(t)` at time `t` (ms). */
  at(t, fn) {
    this.queue.push({ t: Math.round(t), seq: this.seq++, fn });
  }

  run(until) {
    while (this.queue.peek() && this.queue.peek().t <= until) {
      const e = this.queue.pop();
      this.now = e.t;
      e.fn(e.t);
    }
    this.now = until;
  }

  get(kind, ns, name) {
    return this.store.get(keyOf(kind, ns, name));
  }

  uid() {
    return this.rng.uuid();
  }

  /** One watch line with a snapshot of the object as written. */
  record(t, type, o) {
    this.lines.push({ t: Math.round(t), seq: this.seq++, line: { type, object: clone(o) } });
  }

  /** An object that exists when the recording starts (the initial list). */
  list(o) {
    this.store.set(keyOf(o.kind, o.metadata.namespace, o.metadata.name), o);
    this.lines.push({ t: this.t0, seq: this.seq++, line: { type: 'ADDED', object: clone(o) }, listed: true });
    return o;
  }

  create(t, o) {
    o.metadata.creationTimestamp ??= isoSec(t);
    o.metadata.uid ??= this.uid();
    this.store.set(keyOf(o.kind, o.metadata.namespace, o.metadata.name), o);
    this.record(t, 'ADDED', o);
    return o;
  }

  update(t, o) {
    this.record(t, 'MODIFIED', o);
    return o;
  }

  remove(t, o) {
    this.store.delete(keyOf(o.kind, o.metadata.namespace, o.metadata.name));
    this.record(t, 'DELETED', o);
  }

  /** Records in managedFields that `manager` wrote `fields` at `t` (second precision), as the API server does. */
  touch(o, manager, t, fields, subresource) {
    const entry = {
      manager,
      operation: APPLY_MANAGERS.has(manager) && !subresource ? 'Apply' : 'Update',
      apiVersion: o.apiVersion,
      time: isoSec(t),
      fieldsType: 'FieldsV1',
      fieldsV1: fields,
      ...(subresource ? { subresource } : {}),
    };
    const rest = (o.metadata.managedFields ?? []).filter(
      (m) => !(m.manager === manager && m.subresource === subresource && m.operation === entry.operation),
    );
    o.metadata.managedFields = [...rest, entry];
  }

  /** An alert notification or a metric line: not an object, no resourceVersion. */
  raw(t, body) {
    this.lines.push({ t: Math.round(t), seq: this.seq++, line: body });
  }

  /**
   * A core v1 Event about `obj` (a live object with kind/metadata), as `kubectl get events --watch` shows it.
   * `source` is { component, host? }; returns false when the spam filter dropped it.
   */
  event(t, obj, reason, message, { type = 'Normal', source, manager, fieldPath } = {}) {
    const ns = obj.kind === 'Node' ? 'default' : obj.metadata.namespace;
    const srcKey = `${source.component}/${source.host ?? ''}/${obj.metadata.uid ?? obj.metadata.name}`;
    const bucket = this.spam.get(srcKey) ?? { tokens: 25, at: t };
    bucket.tokens = Math.min(25, bucket.tokens + (t - bucket.at) / 300_000);
    bucket.at = t;
    this.spam.set(srcKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    const aggKey = `${srcKey}/${fieldPath ?? ''}/${reason}/${type}/${message}`;
    const who = manager ?? (source.component === 'default-scheduler' ? 'kube-scheduler' : source.component);
    const prev = this.events.get(aggKey);
    if (prev && this.store.has(keyOf('Event', prev.metadata.namespace, prev.metadata.name))) {
      prev.count += 1;
      prev.lastTimestamp = isoSec(t);
      this.touch(prev, who, t, { 'f:count': {}, 'f:lastTimestamp': {}, 'f:message': {} });
      this.update(t, prev);
      return true;
    }
    const nanos = BigInt(Math.round(t)) * 1_000_000n + BigInt(this.rng.int(0, 999_999));
    const e = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${obj.metadata.name}.${nanos.toString(16)}`,
        namespace: ns,
        uid: this.uid(),
        creationTimestamp: isoSec(t),
        managedFields: [],
      },
      involvedObject: {
        kind: obj.kind,
        ...(obj.kind === 'Node' ? {} : { namespace: ns }),
        name: obj.metadata.name,
        uid: obj.metadata.uid,
        apiVersion: obj.apiVersion,
        ...(fieldPath ? { fieldPath } : {}),
      },
      reason,
      message,
      source,
      firstTimestamp: isoSec(t),
      lastTimestamp: isoSec(t),
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component === 'kubelet' ? 'kubelet' : source.component,
      reportingInstance: source.host ?? '',
    };
    this.touch(e, who, t, {
      'f:count': {},
      'f:firstTimestamp': {},
      'f:involvedObject': {},
      'f:lastTimestamp': {},
      'f:message': {},
      'f:reason': {},
      'f:source': {},
      'f:type': {},
    });
    this.events.set(aggKey, e);
    this.create(t, e);
    return true;
  }

  /**
   * The recording: lines sorted by time (stable), resourceVersions numbered in file order, `ts` added, lines after
   * `end` dropped. The initial list shares the first `ts` and comes first.
   */
  output(end, firstRv) {
    // The initial list comes kind by kind, owners before what they own (as one list per kind would).
    const order = [
      'Lease',
      'ServiceAccount',
      'ConfigMap',
      'Secret',
      'Service',
      'Deployment',
      'StatefulSet',
      'DaemonSet',
      'ReplicaSet',
      'Pod',
      'HorizontalPodAutoscaler',
    ];
    const rank = (l) => {
      const i = order.indexOf(l.line.object.kind);
      return i < 0 ? order.length : i;
    };
    const sorted = this.lines
      .filter((l) => l.t <= end)
      .sort((a, b) =>
        a.listed && b.listed
          ? rank(a) - rank(b) || a.seq - b.seq
          : a.listed === b.listed
            ? a.t - b.t || a.seq - b.seq
            : a.listed
              ? -1
              : 1,
      );
    let rv = firstRv;
    return sorted.map((l) => {
      const { line } = l;
      if (line.object) line.object.metadata.resourceVersion = String(++rv);
      return { ts: iso(l.t), ...line };
    });
  }
}

/** FNV-1a of a string, as the deployment controller hashes a pod template (then encodes it with SafeEncodeString). */
export function templateHash(template, collisions = 0) {
  let h = 0x811c9dc5;
  const s = JSON.stringify(template) + (collisions ? String(collisions) : '');
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  return String(h)
    .split('')
    .map((c) => alphabet[c.charCodeAt(0) % alphabet.length])
    .join('');
}
