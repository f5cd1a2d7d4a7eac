import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatReplayReport, runReplay } from './replay.pipeline.js';

// The shared public scenarios (FORMAT.md); skipped where they are not checked out beside the repository.
const scenario = new URL('../../../../../shared/scenarios/public/online-boutique-1-1', import.meta.url)
  .pathname;
const present = existsSync(`${scenario}.jsonl`);

describe.skipIf(!present)('runReplay', () => {
  const truth = present ? JSON.parse(readFileSync(`${scenario}.truth.json`, 'utf8')) : undefined;

  it('ranks the recorded root cause first, with an explanation and no secret value', async () => {
    const out = await runReplay({
      file: `${scenario}.jsonl`,
      rankAt: new Date(truth.query.at),
      symptom: truth.query.symptom,
    });
    expect(out.causes.length).toBeGreaterThanOrEqual(5);
    expect(out.causes[0].resource).toEqual({
      kind: truth.rootCause.kind,
      namespace: truth.rootCause.namespace,
      name: truth.rootCause.name,
    });
    expect(
      Math.abs(Date.parse(out.causes[0].changedAt) - Date.parse(truth.rootCause.changedAt)),
    ).toBeLessThanOrEqual(2000);
    const printed = JSON.stringify(out) + formatReplayReport(out);
    for (const line of readFileSync(`${scenario}.jsonl`, 'utf8').split('\n')) {
      if (!line.includes('"kind": "Secret"') && !line.includes('"kind":"Secret"')) continue;
      for (const value of Object.values<string>(JSON.parse(line).object.data ?? {}))
        expect(printed).not.toContain(value);
    }
  }, 60_000);

  it('prints a topic as JSON lines, deterministically', async () => {
    const a = await runReplay({
      file: `${scenario}.jsonl`,
      rankAt: new Date(truth.query.at),
      print: 'changes',
    });
    const b = await runReplay({
      file: `${scenario}.jsonl`,
      rankAt: new Date(truth.query.at),
      print: 'changes',
    });
    expect(a.lines!.length).toBeGreaterThan(0);
    expect(a.lines!.map((l) => l.value)).toEqual(b.lines!.map((l) => l.value));
    expect(a.lines![0]).toHaveProperty('headers.ce_type', 'io.incident-assistant.change.v1');
  }, 60_000);
});
