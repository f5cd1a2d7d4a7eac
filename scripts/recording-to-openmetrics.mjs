#!/usr/bin/env node
// The metric lines of a recording (FORMAT.md, line type 3) as OpenMetrics text, for
// `promtool tsdb create-blocks-from openmetrics` (scripts/prometheus backfill):
//
//   node scripts/recording-to-openmetrics.mjs <file.jsonl> > samples.om
//
// Every sample becomes a gauge sample with the line's `ts` as its timestamp (seconds, millisecond precision). A metric
// family's samples must not be interleaved with another's, so samples are grouped per name (one `# TYPE` each),
// then per series in time order; a series' second sample at the same time replaces the first (promtool refuses
// duplicates). Other line types, malformed lines, invalid names and values that are not numbers are skipped and
// counted on stderr. Ends with `# EOF`.
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/recording-to-openmetrics.mjs <file.jsonl>');
  process.exit(1);
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
/** name -> series key (label text) -> time (ms) -> value */
const families = new Map();
const skipped = { lines: 0, names: 0, labels: 0, values: 0 };
let metricLines = 0;

const escape = (v) => String(v).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
  if (!line.includes('"metrics"')) continue;
  let parsed;
  try {
    parsed = JSON.parse(line);
  } catch {
    skipped.lines++;
    continue;
  }
  const at = Date.parse(parsed?.ts);
  const samples = parsed?.metrics?.samples;
  if (!Number.isFinite(at) || !Array.isArray(samples)) {
    if (parsed?.metrics) skipped.lines++;
    continue;
  }
  metricLines++;
  for (const s of samples) {
    if (typeof s?.name !== 'string' || !NAME.test(s.name)) {
      skipped.names++;
      continue;
    }
    if (typeof s.value !== 'number' || Number.isNaN(s.value)) {
      skipped.values++;
      continue;
    }
    const entries = Object.entries(s.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.some(([k, v]) => !LABEL.test(k) || k.startsWith('__') || typeof v !== 'string')) {
      skipped.labels++;
      continue;
    }
    const key = entries
      .filter(([, v]) => v !== '')
      .map(([k, v]) => `${k}="${escape(v)}"`)
      .join(',');
    let family = families.get(s.name);
    if (!family) families.set(s.name, (family = new Map()));
    let series = family.get(key);
    if (!series) family.set(key, (series = new Map()));
    series.set(at, s.value);
  }
}

const number = (v) => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v));
const out = [];
let written = 0;
for (const name of [...families.keys()].sort()) {
  out.push(`# TYPE ${name} gauge`);
  const family = families.get(name);
  for (const key of [...family.keys()].sort()) {
    const series = family.get(key);
    for (const t of [...series.keys()].sort((a, b) => a - b)) {
      out.push(`${name}${key ? `{${key}}` : ''} ${number(series.get(t))} ${(t / 1000).toFixed(3)}`);
      written++;
    }
  }
  // Flush per family: a long recording's text need not be held twice.
  process.stdout.write(out.join('\n') + '\n');
  out.length = 0;
}
process.stdout.write('# EOF\n');
const skips = Object.entries(skipped).filter(([, n]) => n > 0);
console.error(
  `recording-to-openmetrics: ${metricLines} metric lines, ${written} samples in ${families.size} families` +
    (skips.length ? `; skipped ${skips.map(([k, n]) => `${n} ${k}`).join(', ')}` : ''),
);
