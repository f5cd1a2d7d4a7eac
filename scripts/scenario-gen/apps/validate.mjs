// Checks a recording and its truth file against /work/shared/scenarios/FORMAT.md (and the few invariants a real
// watch would never break). Returns a list of problems, empty when the pair is valid. Used by the suite's test;
// usable on any scenario folder: `node scripts/scenario-gen/apps/validate.mjs <folder>`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const METRICS = {
  request_success_ratio: { req: ['namespace', 'workload', 'pod'], opt: ['source_workload'], max: 1 },
  request_latency_ms: { req: ['namespace', 'workload', 'pod'], opt: ['source_workload'], max: Infinity },
  container_cpu_usage_ratio: { req: ['namespace', 'workload', 'pod'], opt: [], max: Infinity },
  container_memory_usage_ratio: { req: ['namespace', 'workload', 'pod'], opt: [], max: 1 },
};
const key = (o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export function validateRecording(lines, truth) {
  const problems = [];
  const bad = (i, msg) => problems.length < 50 && problems.push(`line ${i + 1}: ${msg}`);
  if (!lines.length) return ['empty recording'];
  const first = lines[0].ts;
  let listing = true;
  let lastTs = '';
  let lastRv = -1;
  const state = new Map(); // object key -> last object
  const uids = new Map(); // kind/ns/name -> Set of uids seen
  const specChanges = new Map(); // object key -> Set of ts where spec/data changed (or it was ADDED after the list)
  const podsByName = new Map(); // ns/pod -> owning Deployment name (through its ReplicaSet)
  let alerts = 0;
  lines.forEach((l, i) => {
    if (typeof l.ts !== 'string' || !TS.test(l.ts)) bad(i, `bad ts ${l.ts}`);
    if (l.ts < lastTs) bad(i, `ts ${l.ts} before ${lastTs}`);
    lastTs = l.ts;
    const kinds = ['object', 'alertmanager', 'metrics', 'audit'].filter((k) => l[k] !== undefined);
    if (kinds.length !== 1) return bad(i, `line has ${kinds.join('+') || 'no'} payload`);
    if (l.ts !== first) listing = false;
    if (l.object) {
      const o = l.object;
      if (!['ADDED', 'MODIFIED', 'DELETED'].includes(l.type)) bad(i, `type ${l.type}`);
      if (listing && l.type !== 'ADDED') bad(i, 'the initial list holds only ADDED lines');
      if (!listing && l.ts === first) bad(i, 'a line with the first ts after the list');
      if (!o.kind || !o.apiVersion || !o.metadata?.name) return bad(i, 'object without kind/apiVersion/name');
      const rv = Number(o.metadata.resourceVersion);
      if (!Number.isInteger(rv) || rv <= lastRv)
        bad(i, `resourceVersion ${o.metadata.resourceVersion} does not increase (after ${lastRv})`);
      lastRv = rv;
      const k = key(o);
      const prev = state.get(k);
      if (l.type === 'MODIFIED' && !prev) bad(i, `MODIFIED ${k} never listed or added`);
      if (l.type === 'ADDED' && prev && !listing) bad(i, `ADDED ${k} which exists`);
      if (!uids.has(k)) uids.set(k, new Set());
      uids.get(k).add(o.metadata.uid);
      const changes = specChanges.get(k) ?? new Set();
      if (l.type === 'ADDED' && !listing) changes.add(l.ts);
      if (prev && l.type === 'MODIFIED') {
        const specChanged = JSON.stringify(prev.spec) !== JSON.stringify(o.spec);
        const dataChanged = JSON.stringify(prev.data) !== JSON.stringify(o.data);
        if (specChanged || dataChanged) changes.add(l.ts);
        if (o.kind === 'Deployment') {
          const g0 = prev.metadata.generation;
          const g1 = o.metadata.generation;
          if (specChanged && !(g1 > g0)) bad(i, `${k} spec changed without a new generation`);
          if (!specChanged && g1 !== g0) bad(i, `${k} generation moved without a spec change`);
        }
      }
      specChanges.set(k, changes);
      if (l.type === 'DELETED') state.delete(k);
      else state.set(k, o);
      // Ownership: Pod -> ReplicaSet/StatefulSet/DaemonSet -> Deployment, by name and uid.
      for (const ref of o.metadata.ownerReferences ?? []) {
        if (ref.kind === 'Node') continue;
        const ok = uids.get(`${ref.kind}/${o.metadata.namespace ?? ''}/${ref.name}`);
        if (!ok || !ok.has(ref.uid))
          bad(i, `${k} owner ${ref.kind}/${ref.name} (${ref.uid}) not seen before it`);
      }
      if (o.kind === 'Pod') {
        const rs = (o.metadata.ownerReferences ?? []).find((r) => r.kind === 'ReplicaSet');
        const rsObj = rs && state.get(`ReplicaSet/${o.metadata.namespace}/${rs.name}`);
        const dep = rsObj?.metadata.ownerReferences?.find((r) => r.kind === 'Deployment')?.name;
        if (dep) podsByName.set(`${o.metadata.namespace}/${o.metadata.name}`, dep);
        if (rs && o.metadata.labels?.['pod-template-hash'] !== rs.name.slice(rs.name.lastIndexOf('-') + 1))
          bad(i, `${k} pod-template-hash does not match its ReplicaSet`);
      }
      if (o.kind === 'Event' && !o.involvedObject?.name) bad(i, 'Event without involvedObject');
    } else if (l.alertmanager) {
      alerts++;
      const a = l.alertmanager;
      if (a.version !== '4') bad(i, 'alertmanager payload version is not "4"');
      if (!['firing', 'resolved'].includes(a.status)) bad(i, `notification status ${a.status}`);
      if (!Array.isArray(a.alerts) || !a.alerts.length) bad(i, 'notification without alerts');
      for (const x of a.alerts ?? []) {
        if (!x.labels?.alertname) bad(i, 'alert without alertname');
        if (!(Date.parse(x.startsAt) <= Date.parse(l.ts)))
          bad(i, `alert startsAt ${x.startsAt} after its notification`);
        if (x.status === 'resolved' && !(Date.parse(x.endsAt) >= Date.parse(x.startsAt)))
          bad(i, 'resolved alert without a proper endsAt');
        if (x.status === 'firing' && x.endsAt !== '0001-01-01T00:00:00Z')
          bad(i, 'firing alert with an endsAt');
        if (x.status === 'firing' && a.status !== 'firing') bad(i, 'firing alert in a resolved notification');
        if (x.labels?.service && x.labels.namespace) {
          const ns = x.labels.namespace;
          if (
            !state.has(`Service/${ns}/${x.labels.service}`) &&
            !state.has(`Deployment/${ns}/${x.labels.service}`)
          )
            bad(i, `alert names service ${ns}/${x.labels.service}, which is no Service or Deployment`);
        }
        if (x.labels?.deployment && !state.has(`Deployment/${x.labels.namespace}/${x.labels.deployment}`))
          bad(i, `alert names unknown deployment ${x.labels.deployment}`);
      }
    } else if (l.metrics) {
      const m = l.metrics;
      if (m.interval !== '60s' && m.interval !== '30s') bad(i, `metric interval ${m.interval}`);
      if (!Array.isArray(m.samples) || !m.samples.length) bad(i, 'metric line without samples');
      for (const s of m.samples ?? []) {
        const spec = METRICS[s.name];
        if (!spec) {
          bad(i, `unknown metric ${s.name}`);
          continue;
        }
        const names = Object.keys(s.labels ?? {});
        for (const r of spec.req) if (!s.labels?.[r]) bad(i, `${s.name} without label ${r}`);
        for (const n of names)
          if (!spec.req.includes(n) && !spec.opt.includes(n)) bad(i, `${s.name} with label ${n}`);
        if (typeof s.value !== 'number' || !Number.isFinite(s.value) || s.value < 0 || s.value > spec.max)
          bad(i, `${s.name} value ${s.value}`);
        const owner = podsByName.get(`${s.labels?.namespace}/${s.labels?.pod}`);
        if (owner && owner !== s.labels.workload)
          bad(i, `${s.name}: pod ${s.labels.pod} belongs to ${owner}, not ${s.labels.workload}`);
        if (!owner && !state.has(`Deployment/${s.labels?.namespace}/${s.labels?.workload}`))
          bad(i, `${s.name}: workload ${s.labels?.workload} is no Deployment`);
      }
    }
  });
  if (truth) {
    const rc = truth.rootCause;
    const k = `${rc.kind}/${rc.namespace ?? ''}/${rc.name}`;
    if (!specChanges.get(k)?.has(rc.changedAt))
      problems.push(`rootCause ${k} has no watch line at ${rc.changedAt} changing its spec or data`);
    if (!['Deployment', 'ConfigMap', 'Secret', 'NetworkPolicy'].includes(rc.kind))
      problems.push(`rootCause kind ${rc.kind}`);
    const q = Date.parse(truth.query?.at);
    if (!(q > Date.parse(rc.changedAt))) problems.push('query.at is not after the root cause');
    if (!(q <= Date.parse(lines.at(-1).ts))) problems.push('query.at is after the end of the recording');
    const notified = lines.filter((l) => l.alertmanager && l.ts <= truth.query.at && l.ts >= rc.changedAt);
    if (!notified.length) problems.push('no notification between the root cause and query.at');
    const sym = truth.query?.symptom;
    if (!sym || sym.kind !== 'Deployment' || !uids.has(`Deployment/${sym.namespace}/${sym.name}`))
      problems.push(`query.symptom ${JSON.stringify(sym)} is no Deployment of the recording`);
    if (!alerts) problems.push('no alert notification at all');
  }
  return problems;
}

export function readScenario(folder, id) {
  const lines = readFileSync(join(folder, `${id}.jsonl`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const truth = JSON.parse(readFileSync(join(folder, `${id}.truth.json`), 'utf8'));
  return { lines, truth };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const folder = process.argv[2];
  let failed = 0;
  const ids = readdirSync(folder)
    .filter((f) => f.endsWith('.truth.json'))
    .map((f) => f.replace('.truth.json', ''));
  for (const id of ids) {
    const { lines, truth } = readScenario(folder, id);
    const p = validateRecording(lines, truth);
    if (p.length) {
      failed++;
      console.log(`${id}:\n  ${p.slice(0, 10).join('\n  ')}`);
    }
  }
  console.log(`${ids.length - failed}/${ids.length} valid`);
  process.exit(failed ? 1 : 0);
}
