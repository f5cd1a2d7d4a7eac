#!/usr/bin/env node
// Fits and checks the confidence calibration of libs/correlation/src/ranking/confidence.ts.
//
//   node scripts/eval-scenarios.mjs <set> --abstention --dump <set>.jsonl     (per scenario set, on the built dist/)
//   node scripts/calibrate-confidence.mjs --fit a.jsonl b.jsonl ... --check c.jsonl d.jsonl ...
//
// Every listed cause of every answer is one example: its features are the share of the total score (`score`) and
// the share of the reported symptoms it explains (`evidence.observed`) and whether any symptom was reported at all
// (the answer's verdict is not `no-evidence`); its label is whether it is the truth's root cause
// (the FORMAT.md match). Answers to queries made before the faulty change ("phase": "before") have no true cause
// among their candidates: every label is 0. The fit is a logistic regression by
// iteratively reweighted least squares (maximum likelihood) on [1, logit(share), observed, reported]; the check prints, per file and overall, the
// reliability table (10 equal-width bins) and the expected calibration error of all listed causes and of the first
// cause alone, with the model in confidence.ts as it is now and with the fitted one.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const fitFiles = [];
const checkFiles = [];
let target = fitFiles;
for (const a of args) {
  if (a === '--fit') target = fitFiles;
  else if (a === '--check') target = checkFiles;
  else target.push(a);
}
if (fitFiles.length === 0) {
  console.error('usage: calibrate-confidence.mjs --fit <dump.jsonl>... [--check <dump.jsonl>...]');
  process.exit(2);
}

const EPS = 1e-6;
const logit = (p) => {
  const s = Math.min(1 - EPS, Math.max(EPS, p));
  return Math.log(s / (1 - s));
};
const matches = (c, rc) =>
  !!rc &&
  c.resource.kind.toLowerCase() === rc.kind.toLowerCase() &&
  (c.resource.namespace ?? '') === (rc.namespace ?? '') &&
  c.resource.name === rc.name &&
  Math.abs(Date.parse(c.changedAt) - Date.parse(rc.changedAt)) <= 2000;

function examples(file) {
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const d = JSON.parse(line);
    (d.causes ?? []).forEach((c, i) =>
      out.push({
        x: [1, logit(c.score), c.evidence?.observed ?? 0, d.verdict === 'no-evidence' ? 0 : 1],
        y: d.phase === 'before' ? 0 : matches(c, d.truth) ? 1 : 0,
        current: c.confidence,
        first: i === 0,
      }),
    );
  }
  return out;
}

const sigmoid = (z) => 1 / (1 + Math.exp(-z));
const predict = (w, x) => sigmoid(x.reduce((s, v, i) => s + v * w[i], 0));

/** Logistic regression by IRLS (Newton's method), with a tiny ridge for stability. */
function fit(data) {
  const k = data[0].x.length;
  let w = new Array(k).fill(0);
  for (let iter = 0; iter < 50; iter++) {
    const grad = new Array(k).fill(0);
    const hess = Array.from({ length: k }, () => new Array(k).fill(0));
    for (const { x, y } of data) {
      const p = predict(w, x);
      for (let i = 0; i < k; i++) {
        grad[i] += (y - p) * x[i];
        for (let j = 0; j < k; j++) hess[i][j] += p * (1 - p) * x[i] * x[j];
      }
    }
    for (let i = 0; i < k; i++) {
      grad[i] -= 1e-3 * w[i];
      hess[i][i] += 1e-3;
    }
    const step = solve(hess, grad);
    w = w.map((v, i) => v + step[i]);
    if (Math.max(...step.map(Math.abs)) < 1e-9) break;
  }
  return w;
}

function solve(a, b) {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r][c] / m[c][c];
      for (let k = c; k <= n; k++) m[r][k] -= f * m[c][k];
    }
  }
  return m.map((row, i) => row[n] / row[i]);
}

function reliability(pairs) {
  const bins = Array.from({ length: 10 }, () => ({ n: 0, conf: 0, hits: 0 }));
  for (const { p, y } of pairs) {
    const b = bins[Math.min(9, Math.floor(p * 10))];
    b.n++;
    b.conf += p;
    b.hits += y;
  }
  const total = pairs.length || 1;
  const ece = bins.reduce((s, b) => s + (b.n ? (b.n / total) * Math.abs(b.conf / b.n - b.hits / b.n) : 0), 0);
  return { ece, bins };
}

function report(name, data, model) {
  const all = data.map((d) => ({ p: model(d), y: d.y }));
  const first = data.filter((d) => d.first).map((d) => ({ p: model(d), y: d.y }));
  const a = reliability(all);
  const f = reliability(first);
  console.log(
    `${name.padEnd(46)} ECE all causes ${a.ece.toFixed(3)} (n=${all.length})  first cause ${f.ece.toFixed(3)} (n=${first.length})`,
  );
  return { all: a, first: f };
}

const fitData = fitFiles.flatMap(examples);
const w = fit(fitData);
const fitted = (d) => predict(w, d.x);
const current = (d) => d.current;
console.log(`fitted on ${fitData.length} causes from ${fitFiles.length} file(s):`);
console.log(
  `  intercept ${w[0].toFixed(4)}, share ${w[1].toFixed(4)}, observed ${w[2].toFixed(4)}, reported ${w[3].toFixed(4)}`,
);
console.log('');
console.log('with the fitted model:');
report('fit set', fitData, fitted);
const checkData = [];
for (const file of checkFiles) {
  const d = examples(file);
  checkData.push(...d);
  report(`  ${file}`, d, fitted);
}
if (checkFiles.length) {
  const { all } = report('check sets together', checkData, fitted);
  console.log('');
  console.log('reliability of all causes of the check sets (fitted model):');
  console.log('  bin        n    mean confidence   share correct');
  all.bins.forEach((b, i) =>
    console.log(
      `  ${(i / 10).toFixed(1)}-${((i + 1) / 10).toFixed(1)}  ${String(b.n).padStart(5)}   ${b.n ? (b.conf / b.n).toFixed(3) : '  -  '}             ${b.n ? (b.hits / b.n).toFixed(3) : '  -  '}`,
    ),
  );
}
console.log('');
console.log('with the model in confidence.ts now:');
report('fit set', fitData, current);
if (checkFiles.length) report('check sets together', checkData, current);

// The verdict: is it more likely than not that some listed change caused the incident? One example per answer,
// labelled 1 for the real queries and 0 for those made before the faulty change; features [1, observed of the first
// cause, reported]. Explained when the first cause explains at least `threshold` of the reported symptoms.
function answers(file) {
  const out = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const d = JSON.parse(line);
    const top = d.causes?.[0];
    out.push({
      x: [1, top?.evidence?.observed ?? 0, d.verdict === 'no-evidence' ? 0 : 1],
      y: d.phase === 'before' ? 0 : 1,
    });
  }
  return out;
}
const v = fit(fitFiles.flatMap(answers));
const threshold = (-v[0] - v[2]) / v[1];
console.log('');
console.log(
  `verdict model: intercept ${v[0].toFixed(4)}, observed ${v[1].toFixed(4)}, reported ${v[2].toFixed(4)} -> explained when the first cause explains >= ${threshold.toFixed(3)} of the reported symptoms`,
);
for (const file of [...fitFiles, ...checkFiles]) {
  const a = answers(file);
  const real = a.filter((e) => e.y === 1);
  const early = a.filter((e) => e.y === 0);
  const says = (e) => e.x[2] === 1 && e.x[1] >= threshold;
  console.log(
    `  ${file.padEnd(44)} explained on real queries ${(real.filter(says).length / (real.length || 1)).toFixed(3)}, not explained before the fault ${(early.filter((e) => !says(e)).length / (early.length || 1)).toFixed(3)}`,
  );
}
