#!/usr/bin/env node
// Synthetic incident scenarios for topologies the public set does not cover, in exactly the public format
// (/work/shared/scenarios/FORMAT.md): <id>.jsonl + <id>.truth.json. Reproducible: the same --seed gives the same
// files. The output is a measurement set, not part of the repository.
//
//   node scripts/scenario-gen/generate.mjs --out /tmp/ia-synth [--count 60] [--seed 7] [--topology commerce]
//     [--extended]   also the shapes and kinds of extended.mjs (a deep fan-out/fan-in topology with a shared
//                    ConfigMap, a namespace-lockdown NetworkPolicy fault, decoys just before the fault); without
//                    it a seed gives exactly the scenarios it always gave
//     [--suite apps] instead, the real-application suite of apps/ (README.md): the OpenTelemetry demo,
//                    DeathStarBench hotelReservation, Istio Bookinfo and Robot Shop, simulated controllers and
//                    kubelet, alerts from rules over simulated metrics; [--metrics] adds the metric lines,
//                    [--fault <type>] keeps one fault type
//
// Scenarios cycle through topologies and fault types so every pair is covered evenly.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { addDecoys, addNoise } from './background.mjs';
import { EXTENDED_FAULTS, EXTENDED_TOPOLOGIES } from './extended.mjs';
import { prng } from './cluster.mjs';
import { FAULTS, makeScenario } from './scenario.mjs';
import { TOPOLOGIES } from './topologies.mjs';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const out = flag('--out', '/tmp/ia-synth');
const count = Number(flag('--count', '60'));
const seed = Number(flag('--seed', '7'));
const extended = args.includes('--extended');
const topologies = extended ? { ...TOPOLOGIES, ...EXTENDED_TOPOLOGIES } : TOPOLOGIES;
const faults = extended ? [...FAULTS, ...EXTENDED_FAULTS] : FAULTS;
const topoNames = flag('--topology') ? [flag('--topology')] : Object.keys(topologies);
mkdirSync(out, { recursive: true });

if (flag('--suite') === 'apps') {
  const { runAppSuite } = await import('./apps/run.mjs');
  runAppSuite({
    out,
    count,
    seed,
    topology: flag('--topology'),
    fault: flag('--fault'),
    metrics: args.includes('--metrics'),
  });
  process.exit(0);
} else if (flag('--suite')) throw new Error(`unknown --suite ${flag('--suite')} (only "apps")`);

const summary = [];
for (let i = 0; i < count; i++) {
  const rng = prng(seed * 100_003 + i);
  const topoName = topoNames[i % topoNames.length];
  const fault = faults[Math.floor(i / topoNames.length) % faults.length];
  const id = `${topoName}-${fault}-${i}`;
  const s = makeScenario(rng, topologies[topoName](), fault, id);
  s.rng = rng;
  s.extended = extended;
  const decoys = addDecoys(s);
  addNoise(s);
  // Run every write in time order, so that each object's state is the one at its time.
  for (const step of s.schedule.sort((a, b) => a.t - b.t)) step.fn();
  const end = s.queryAt + rng.int(30, 120) * 1000;
  s.c.leases(s.start, end);
  s.c.sortLines();
  const lines = s.c.lines.filter((l) => Date.parse(l.ts) <= end);
  // resourceVersion increases along the file (writes were generated per action, then merged by time).
  let rv = s.c.rv;
  const first = lines[0].ts;
  for (const l of lines) if (l.object && l.ts !== first) l.object.metadata.resourceVersion = String(++rv);
  const faultLine = lines.find(
    (l) =>
      l.object &&
      l.object.kind === s.truth.kind &&
      l.object.metadata.name === s.truth.name &&
      l.object.metadata.namespace === s.truth.namespace &&
      Math.abs(Date.parse(l.ts) - s.tFault) < 1000,
  );
  const truth = {
    scenario: id,
    query: {
      at: new Date(s.queryAt).toISOString(),
      symptom: { namespace: s.entry.split('/')[0], kind: 'Deployment', name: s.entry.split('/')[1] },
    },
    rootCause: { ...s.truth, changedAt: faultLine.ts },
    decoys: decoys.filter((d) => Date.parse(d.changedAt) <= s.queryAt),
    meta: {
      topology: topoName,
      addressing: s.topo.addressing,
      target: s.target,
      depth: [...s.all.values()].length && undefined,
      local: s.local ?? null,
      effectLagMin: Number(((s.effect - s.tFault) / 60_000).toFixed(1)),
      firstAlertLagMin: Number(((s.firstAlert - s.tFault) / 60_000).toFixed(1)),
      queryLagMin: Number(((s.queryAt - s.tFault) / 60_000).toFixed(1)),
      alerting: s.alerts.map((a) => ({
        service: a.labels.service,
        alertname: a.labels.alertname,
        startsAt: new Date(a.startsAt).toISOString(),
      })),
    },
  };
  writeFileSync(join(out, `${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  writeFileSync(join(out, `${id}.truth.json`), JSON.stringify(truth, null, 2) + '\n');
  summary.push(
    `${id.padEnd(40)} target ${s.target.padEnd(36)} lag ${truth.meta.effectLagMin}m alert ${truth.meta.firstAlertLagMin}m query ${truth.meta.queryLagMin}m decoys ${truth.decoys.map((d) => d.role).join(',')}`,
  );
}
console.log(summary.join('\n'));
