// `generate.mjs --suite apps`: writes <id>.jsonl and <id>.truth.json for `count` scenarios, cycling through the
// topologies and, for each topology, through the fault types, so every pair is covered evenly.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { APP_FAULTS, APP_TOPOLOGIES, makeAppScenario } from './suite.mjs';

export function runAppSuite({ out, count, seed, topology, fault, metrics }) {
  const topoNames = topology ? [topology] : Object.keys(APP_TOPOLOGIES);
  const faults = fault ? [fault] : APP_FAULTS;
  for (const t of topoNames) if (!APP_TOPOLOGIES[t]) throw new Error(`unknown topology ${t}`);
  for (const f of faults) if (!APP_FAULTS.includes(f)) throw new Error(`unknown fault ${f}`);
  mkdirSync(out, { recursive: true });
  for (let i = 0; i < count; i++) {
    const topoName = topoNames[i % topoNames.length];
    const f = faults[Math.floor(i / topoNames.length) % faults.length];
    const { id, lines, truth } = makeAppScenario({ seed, index: i, topoName, fault: f, metrics });
    writeFileSync(join(out, `${id}.jsonl`), lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    writeFileSync(join(out, `${id}.truth.json`), JSON.stringify(truth, null, 2) + '\n');
    const m = truth.meta;
    console.log(
      `${id.padEnd(44)} cause ${`${truth.rootCause.kind}/${truth.rootCause.name}`.padEnd(40)} symptom ${truth.query.symptom.name.padEnd(22)} prompt ${(m.promptedBy?.alertname ?? '-').padEnd(30)} lag ${m.firstAlertLagMin}m query ${m.queryLagMin}m decoys ${truth.decoys.length}`,
    );
  }
}
