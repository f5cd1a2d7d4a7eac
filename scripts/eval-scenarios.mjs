#!/usr/bin/env node
// Accuracy evaluation of the replay ranking (FORMAT.md "Matching and metrics"), on the built dist/.
//
//   npm run build && node scripts/eval-scenarios.mjs [folder] [--only <substring>] [--group-by-prefix]
//     [--group-by topology|fault|prefix]   (topology: truth.meta.topology, fault: truth.rootCause.type)
//     [--dump <file.jsonl>]   also writes every scenario's full ranked answer (top 10), one JSON line each, so that
//                             two builds can be compared byte for byte (`cmp a.jsonl b.jsonl`)
//     [--abstention]          also asks each scenario shortly before its faulty change (60 s), when only background
//                             noise and unrelated alerts exist: the answer should not say `explained` then. Prints
//                             the share of real queries answered `explained` and of early ones answered otherwise
//                             (dumped with "phase": "before").
//
// For every <id>.jsonl with an <id>.truth.json in the folder (default ../shared/scenarios/public), runs the replay
// with --rank-at truth.query.at and --symptom truth.query.symptom, finds the rank of the true root cause, and
// prints per-scenario ranks and AC@1, AC@3, AC@5, MRR for the product and two baselines (newest spec/data change
// first, cluster-wide and within the symptom's namespace), plus the median wall time per run. The last line is
// one JSON object. The truth files are read here only, to score; the product never sees them.
import { appendFileSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const only = flag('--only');
const dump = flag('--dump');
const abstention = args.includes('--abstention');
const EARLY_MS = 60_000;
const groupBy = flag('--group-by') ?? (args.includes('--group-by-prefix') ? 'prefix' : undefined);
/** The group a scenario is reported under: its id without the trailing numbers, its topology or its fault type. */
const groupOf = (id, truth) =>
  groupBy === 'topology'
    ? (truth.meta?.topology ?? id.replace(/-\d+(-\d+)?$/, ''))
    : groupBy === 'fault'
      ? truth.rootCause.type
      : groupBy === 'prefix'
        ? id.replace(/-\d+(-\d+)?$/, '')
        : 'all';
const folder = resolve(
  args.find((a) => !a.startsWith('--')) ?? join(root, '..', 'shared', 'scenarios', 'public'),
);
process.env.LOG_LEVEL ??= 'error';

// The CLI's public entry (package.json imports, the built dist/ at run time).
const { runReplay } = await import('#cli');

const matches = (cause, rc) =>
  cause.resource.kind.toLowerCase() === rc.kind.toLowerCase() &&
  (cause.resource.namespace ?? '') === (rc.namespace ?? '') &&
  cause.resource.name === rc.name &&
  Math.abs(Date.parse(cause.changedAt) - Date.parse(rc.changedAt)) <= 2000;
const rankOf = (causes, rc) => {
  const i = causes.findIndex((c) => matches(c, rc));
  return i < 0 ? null : i + 1;
};

/** Reference points: every spec/data change (not labels/annotations only) up to the query time, newest first. */
function baselineCauses(changeLines, at, namespace) {
  return changeLines
    .map((l) => l.value)
    .filter((c) => Date.parse(c.changedAt) <= at && !c.classes.every((k) => k === 'metadata'))
    .filter((c) => namespace === undefined || c.ref.namespace === namespace)
    .sort((a, b) => Date.parse(b.changedAt) - Date.parse(a.changedAt))
    .map((c) => ({
      resource: { kind: c.ref.kind, namespace: c.ref.namespace ?? '', name: c.ref.name },
      changedAt: c.changedAt,
    }));
}

const ids = readdirSync(folder)
  .filter((f) => f.endsWith('.jsonl') || f.endsWith('.jsonl.gz'))
  .map((f) => f.replace(/\.jsonl(\.gz)?$/, ''))
  .filter((id) => readdirSync(folder).includes(`${id}.truth.json`))
  .filter((id) => !only || id.includes(only))
  .sort();

const rows = [];
if (dump) writeFileSync(dump, '');
for (const id of ids) {
  const file = readdirSync(folder).includes(`${id}.jsonl`)
    ? join(folder, `${id}.jsonl`)
    : join(folder, `${id}.jsonl.gz`);
  const truth = JSON.parse(readFileSync(join(folder, `${id}.truth.json`), 'utf8'));
  const at = new Date(truth.query.at);
  const started = performance.now();
  let causes = [];
  let verdict;
  let error;
  try {
    const out = await runReplay({
      file,
      rankAt: at,
      symptom: truth.query.symptom,
      top: dump ? 10 : undefined,
    });
    causes = out.causes;
    verdict = out.verdict;
  } catch (err) {
    error = String(err);
  }
  if (dump)
    appendFileSync(dump, `${JSON.stringify({ id, error, verdict, truth: truth.rootCause, causes })}\n`);
  let early;
  if (abstention) {
    const before = new Date(Date.parse(truth.rootCause.changedAt) - EARLY_MS);
    const out = await runReplay({
      file,
      rankAt: before,
      symptom: truth.query.symptom,
      top: dump ? 10 : undefined,
    });
    early = out.verdict;
    if (dump)
      appendFileSync(
        dump,
        `${JSON.stringify({ id, phase: 'before', verdict: out.verdict, truth: null, causes: out.causes })}\n`,
      );
  }
  const millis = performance.now() - started;
  const changes = (await runReplay({ file, rankAt: at, print: 'changes' })).lines ?? [];
  const rc = truth.rootCause;
  rows.push({
    id,
    group: groupOf(id, truth),
    rank: error ? null : rankOf(causes, rc),
    verdict,
    early,
    confidence: causes[0]?.confidence,
    cluster: rankOf(baselineCauses(changes, at.getTime()), rc),
    namespace: rankOf(baselineCauses(changes, at.getTime(), truth.query.symptom?.namespace), rc),
    millis,
    top: causes[0] ? `${causes[0].resource.kind}/${causes[0].resource.name}` : '-',
    truth: `${rc.kind}/${rc.name}`,
    error,
  });
  const r = rows.at(-1);
  console.log(
    `${id.padEnd(28)} rank ${String(r.rank ?? 'miss').padStart(4)}  ${(r.verdict ?? '-').padEnd(18)} ${r.confidence?.toFixed(2) ?? '-'}${abstention ? ` early ${r.early}` : ''}   baselines ${String(r.cluster ?? 'miss').padStart(4)} ${String(r.namespace ?? 'miss').padStart(4)}   ${Math.round(millis)} ms   truth ${r.truth}  top ${r.top}${error ? `  ERROR ${error}` : ''}`,
  );
}

function metrics(list, key) {
  const n = list.length || 1;
  const at = (k) => list.filter((r) => r[key] !== null && r[key] <= k).length / n;
  const mrr = list.reduce((s, r) => s + (r[key] ? 1 / r[key] : 0), 0) / n;
  const round = (v) => Number(v.toFixed(3));
  return {
    n: list.length,
    'AC@1': round(at(1)),
    'AC@3': round(at(3)),
    'AC@5': round(at(5)),
    MRR: round(mrr),
  };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2) : 0;
};

const summary = {
  scenarios: rows.length,
  product: metrics(rows, 'rank'),
  baselineClusterWide: metrics(rows, 'cluster'),
  baselineSymptomNamespace: metrics(rows, 'namespace'),
  medianMillis: Math.round(median(rows.map((r) => r.millis))),
  explainedRate: Number(
    (rows.filter((r) => r.verdict === 'explained').length / (rows.length || 1)).toFixed(3),
  ),
  ...(abstention
    ? {
        earlyAbstentionRate: Number(
          (rows.filter((r) => r.early && r.early !== 'explained').length / (rows.length || 1)).toFixed(3),
        ),
      }
    : {}),
};
if (groupBy) {
  summary.byGroup = Object.fromEntries(
    [...new Set(rows.map((r) => r.group))].map((g) => [
      g,
      metrics(
        rows.filter((r) => r.group === g),
        'rank',
      ),
    ]),
  );
}
console.log('');
for (const [name, m] of [
  ['product', summary.product],
  ['newest change (cluster)', summary.baselineClusterWide],
  ['newest change (namespace)', summary.baselineSymptomNamespace],
]) {
  console.log(
    `${name.padEnd(26)} AC@1 ${m['AC@1'].toFixed(3)}  AC@3 ${m['AC@3'].toFixed(3)}  AC@5 ${m['AC@5'].toFixed(3)}  MRR ${m.MRR.toFixed(3)}`,
  );
}
console.log(`median wall time per run: ${summary.medianMillis} ms`);
console.log(
  `verdict "explained" on the real queries: ${summary.explainedRate}` +
    (abstention
      ? `; not "explained" ${EARLY_MS / 1000}s before the faulty change: ${summary.earlyAbstentionRate}`
      : ''),
);
console.log(JSON.stringify(summary));
