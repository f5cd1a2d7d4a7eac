import { fileURLToPath } from 'node:url';
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ALL_TOPICS,
  AnomalySignalSchema,
  ChangeEventSchema,
  decodeMessage,
  TOPICS,
  type AnomalySignal,
  type ChangeEvent,
} from '#contracts';
import { MemoryEventLog } from '#kafka';
import { SecretRedactor } from '#kube';
import { ScenarioReplaySource } from '#watcher';
import { DifferProcessor } from './differ.processor.js';

// The shared public scenarios, checked out beside the repository (as CI does); skipped where they are absent.
const SCENARIOS = fileURLToPath(new URL('../../../../shared/scenarios/public', import.meta.url));

interface Truth {
  rootCause: { kind: string; namespace: string; name: string; changedAt: string; type: string };
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function replayThroughDiffer(
  id: string,
): Promise<{ log: MemoryEventLog; changes: ChangeEvent[]; anomalies: AnomalySignal[] }> {
  const log = new MemoryEventLog();
  await log.ensureTopics(ALL_TOPICS);
  const differ = new DifferProcessor(log, { logChanges: false });
  await differ.start();
  await new ScenarioReplaySource(log, {
    cluster: 'c1',
    redactor: new SecretRedactor({ hmacKey: 'test-key' }),
  }).run(`${SCENARIOS}/${id}.jsonl`);
  await until(() => log.drained('ia-differ', [TOPICS.rawEvents.name]));
  await differ.stop();
  const changes = log
    .records(TOPICS.changes.name)
    .map((r) => decodeMessage('ChangeEvent', ChangeEventSchema, r.value));
  const anomalies = log
    .records(TOPICS.anomalies.name)
    .map((r) => decodeMessage('AnomalySignal', AnomalySignalSchema, r.value));
  return { log, changes, anomalies };
}

/** Expected first class per truth `type`. */
const CLASS_OF_TYPE: Record<string, string> = {
  'memory-limit': 'resources',
  'secret-change': 'secret-rotation',
  'configmap-change': 'config-data',
  'scale-to-zero': 'scale-to-zero',
  'network-policy': 'network-policy',
  'readiness-probe': 'probes',
  'bad-image': 'image',
  'env-change': 'env',
};

describe.skipIf(!existsSync(SCENARIOS))('DifferProcessor on recorded scenarios', () => {
  const ids = ['online-boutique-1-0', 'online-boutique-1-1', 'online-boutique-1-2', 'sock-shop-2-5'];
  for (const id of ids) {
    it(`reports the root cause of ${id} with the right class and nothing from the snapshot`, async () => {
      const truth = JSON.parse(readFileSync(`${SCENARIOS}/${id}.truth.json`, 'utf8')) as Truth;
      const { log, changes, anomalies } = await replayThroughDiffer(id);
      const rc = truth.rootCause;
      const hit = changes.find(
        (c) =>
          c.ref.kind === rc.kind &&
          c.ref.namespace === rc.namespace &&
          c.ref.name === rc.name &&
          c.changedAt === rc.changedAt,
      );
      expect(hit, JSON.stringify(rc)).toBeDefined();
      expect(hit!.classes[0]).toBe(CLASS_OF_TYPE[rc.type]);
      expect(hit!.actor.manager).not.toBe('unknown');

      const snapshotTs = changes.length ? readFileSync(`${SCENARIOS}/${id}.jsonl`, 'utf8').slice(7, 31) : '';
      expect(changes.filter((c) => c.changedAt === snapshotTs)).toEqual([]);
      expect(new Set(changes.map((c) => c.changeId)).size).toBe(changes.length);
      // No change from Pods or ReplicaSets their controllers made, none from Events or Leases.
      expect(changes.filter((c) => ['Pod', 'ReplicaSet', 'Event', 'Lease'].includes(c.ref.kind))).toEqual([]);
      expect(new Set(anomalies.map((a) => a.anomalyId)).size).toBe(anomalies.length);

      // Secret values never leave: every topic is free of the recorded base64 values.
      const secrets = readFileSync(`${SCENARIOS}/${id}.jsonl`, 'utf8')
        .split('\n')
        .filter((l) => l.includes('"kind": "Secret"') || l.includes('"kind":"Secret"'))
        .flatMap((l) =>
          Object.values((JSON.parse(l) as { object: { data?: Record<string, string> } }).object.data ?? {}),
        );
      for (const topic of [TOPICS.changes.name, TOPICS.objects.name, TOPICS.anomalies.name]) {
        const text = log
          .records(topic)
          .map((r) => r.value?.toString() ?? '')
          .join('\n');
        for (const v of secrets) expect(text.includes(v)).toBe(false);
      }
    });
  }

  it('turns OOM kills and warning events of online-boutique-1-0 into anomaly signals with workloads', async () => {
    const { anomalies } = await replayThroughDiffer('online-boutique-1-0');
    const oom = anomalies.find((a) => a.reason === 'OOMKilled' && a.workload?.name === 'frontend');
    expect(oom?.subject.kind).toBe('Pod');
    expect(oom?.onset).toBe('2025-06-05T04:17:17.000Z');
    const backoff = anomalies.find((a) => a.source === 'k8s-event' && a.reason === 'BackOff');
    expect(backoff?.workload?.kind).toBe('Deployment');
    expect(anomalies.some((a) => a.subject.kind === 'Node' && a.reason === 'OOMKilling')).toBe(true);
  });
});
