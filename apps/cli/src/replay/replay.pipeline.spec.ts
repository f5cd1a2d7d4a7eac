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

// A converted incident of the ChangeRCA study (FORMAT.md metric lines); skipped where not checked out.
const measured = new URL(
  '../../../../../shared/scenarios/changerca-public/changerca-2023-09-22_4',
  import.meta.url,
).pathname;

describe.skipIf(!existsSync(`${measured}.jsonl`))('runReplay with metric lines', () => {
  it('reads the metrics of the rollouts and shows what they say', async () => {
    const truth = JSON.parse(readFileSync(`${measured}.truth.json`, 'utf8'));
    const out = await runReplay({
      file: `${measured}.jsonl`,
      rankAt: new Date(truth.query.at),
      symptom: truth.query.symptom,
    });
    expect(out.stats.metricLines).toBeGreaterThan(10);
    expect(out.metrics).toMatchObject({ source: 'the recording', failures: [] });
    const withEvidence = out.causes.filter((c) => c.metricEvidence?.length);
    expect(withEvidence.length).toBeGreaterThan(0);
    expect(formatReplayReport(out)).toContain(withEvidence[0].metricEvidence![0].summary);
  }, 60_000);
});

describe('runReplay on bad input', () => {
  it('skips unknown line types and malformed lines with a count, and ranks the rest', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/ia-replay-`);
    const file = `${dir}/bad.jsonl`;
    const t = (s: number) => new Date(Date.UTC(2025, 0, 1, 10, 0, s)).toISOString();
    const deployment = (image: string) => ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'cart', namespace: 'shop', resourceVersion: '1', generation: 1 },
      spec: {
        selector: { matchLabels: { app: 'cart' } },
        template: { spec: { containers: [{ name: 'c', image }] } },
      },
    });
    writeFileSync(
      file,
      [
        { ts: t(0), type: 'ADDED', object: deployment('cart:1') },
        { ts: t(1), type: 'MODIFIED' },
        { ts: t(2), type: 'MODIFIED', object: { kind: 'Deployment' } },
        { ts: t(3), hologram: { x: 1 } },
        { ts: t(4), hologram: { x: 2 } },
        { ts: t(5), metrics: { samples: 'none' } },
        'not json',
        {
          ts: t(6),
          type: 'MODIFIED',
          object: {
            ...deployment('cart:2'),
            metadata: { ...deployment('').metadata, resourceVersion: '2', generation: 2 },
          },
        },
      ]
        .map((l) => (typeof l === 'string' ? l : JSON.stringify(l)))
        .join('\n'),
    );
    const out = await runReplay({ file, rankAt: new Date(t(60)) });
    expect(out.stats).toMatchObject({ malformed: 4, unknown: { hologram: 2 } });
    expect(out.causes.map((c) => `${c.resource.name}@${c.changedAt}`)).toContain(`cart@${t(6)}`);
  }, 60_000);
});
