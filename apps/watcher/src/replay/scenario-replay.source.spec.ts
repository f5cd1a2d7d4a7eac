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

  it('finds the opening list after an alert or a stray watch event, and keeps the order of what it publishes', async () => {
    const log = new MemoryEventLog();
    await log.ensureTopics([TOPICS.rawEvents]);
    const file = scenario([
      { ts: '2024-12-31T23:30:00.000Z', alertmanager: { version: '4', status: 'firing', alerts: [] } },
      { ts: '2024-12-31T23:40:00.000Z', type: 'MODIFIED', object: cm('1', 'early') },
      { ts: '2025-01-01T00:00:00.000Z', type: 'ADDED', object: cm('2', 'a') },
      { ts: '2025-01-01T00:01:00.000Z', type: 'MODIFIED', object: cm('3', 'b') },
      {
        ts: '2025-01-01T00:02:00.000Z',
        type: 'ADDED',
        object: {
          ...cm('4', 'x'),
          metadata: { name: 'new', namespace: 'shop', uid: 'u-new', resourceVersion: '4' },
        },
      },
    ]);
    const source = new ScenarioReplaySource(log, {
      cluster: 'c1',
      redactor: new SecretRedactor({ hmacKey: 'k' }),
    });
    await source.run(file);
    const events = log
      .records(TOPICS.rawEvents.name)
      .map((r) => decodeMessage('RawLifecycleEvent', RawLifecycleEventSchema, r.value))
      .filter((e) => e.type !== 'SNAPSHOT_START' && e.type !== 'SNAPSHOT_END');
    // One partition holds the ConfigMap's events, in the order they were read.
    const cfg = events.filter((e) => 'ref' in e && e.ref.name === 'cfg');
    expect(cfg.map((e) => e.type)).toEqual(['MODIFIED', 'SYNC', 'MODIFIED']);
    // A creation after the list stays a creation.
    expect(events.filter((e) => 'ref' in e && e.ref.name === 'new').map((e) => e.type)).toEqual(['ADDED']);
  });
});
