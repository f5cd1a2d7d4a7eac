import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RawLifecycleEventSchema, TOPICS, decodeMessage } from '#contracts';
import { MemoryEventLog } from '#kafka';
import { SecretRedactor } from '#kube';
import { ScenarioReplaySource } from './scenario-replay.source.js';

const secretValue = Buffer.from('hunter2-very-secret').toString('base64');

function scenario(lines: object[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'ia-replay-'));
  const file = join(dir, 's.jsonl');
  writeFileSync(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  return file;
}

const cm = (rv: string, value: string) => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'cfg', namespace: 'shop', uid: 'u-cm', resourceVersion: rv },
  data: { key: value },
});

describe('ScenarioReplaySource', () => {
  it('turns the opening ADDED block into a snapshot, later lines into events, and stops at --rank-at', async () => {
    const log = new MemoryEventLog();
    await log.ensureTopics([TOPICS.rawEvents]);
    const alerts: string[] = [];
    const file = scenario([
      { ts: '2025-01-01T00:00:00.000Z', type: 'ADDED', object: cm('1', 'a') },
      {
        ts: '2025-01-01T00:00:00.000Z',
        type: 'ADDED',
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 's', namespace: 'shop', uid: 'u-s', resourceVersion: '2' },
          data: { password: secretValue },
        },
      },
      { ts: '2025-01-01T00:01:00.000Z', type: 'MODIFIED', object: cm('3', 'b') },
      { ts: '2025-01-01T00:02:00.000Z', alertmanager: { version: '4', status: 'firing', alerts: [] } },
      { ts: '2025-01-01T00:09:00.000Z', type: 'MODIFIED', object: cm('4', 'c') },
      'not json' as unknown as object,
    ]);
    const source = new ScenarioReplaySource(log, {
      cluster: 'c1',
      redactor: new SecretRedactor({ hmacKey: 'k' }),
      until: new Date('2025-01-01T00:05:00.000Z'),
      onAlert: async (_p, ts) => void alerts.push(ts),
    });
    const stats = await source.run(file);
    expect(stats).toMatchObject({ rawEvents: 3, alerts: 1, skippedAfterRankAt: 1 });
    expect(alerts).toEqual(['2025-01-01T00:02:00.000Z']);

    const records = log.records(TOPICS.rawEvents.name);
    const events = records.map((r) => decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, r.value));
    const partitions = TOPICS.rawEvents.partitions;
    expect(events.filter((e) => e.type === 'SNAPSHOT_START')).toHaveLength(2 * partitions);
    expect(events.filter((e) => e.type === 'SYNC')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'MODIFIED')).toHaveLength(1);
    for (const r of records) expect(r.value?.toString()).not.toContain(secretValue);
    expect(records.every((r) => r.headers.ce_type === 'io.incident-assistant.raw-event.v1')).toBe(true);
  });
});
