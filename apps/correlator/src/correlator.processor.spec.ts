import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BOOKKEEPING_HEADER, encodeMessage, TOPICS } from '#contracts';
import { CausalityEngine } from '#correlation';
import { MemoryEventLog } from '#kafka';
import { CorrelatorProcessor } from './correlator.processor.js';
import { alert, change, deployment } from '../../../test/support/correlation-fixtures.js';

async function drained(log: MemoryEventLog): Promise<void> {
  while (!(await log.drained('ia-correlator', CorrelatorProcessor.TOPICS))) await sleep(2);
}

describe('CorrelatorProcessor', () => {
  it('feeds objects, changes and anomalies into the engine once each, and applies tombstones', async () => {
    const log = new MemoryEventLog();
    const engine = new CausalityEngine();
    const processor = new CorrelatorProcessor(log, engine);
    await processor.start();
    const d = deployment('cart');
    const c = change('Deployment', 'cart', '2025-01-01T10:00:00.000Z', ['image']);
    const a = alert('cart', 'HighErrorRate', '2025-01-01T10:03:00.000Z');
    await log.publish(TOPICS.objects.name, [{ key: d.key, value: encodeMessage(d.state) }]);
    await log.publish(
      TOPICS.changes.name,
      [c, c].map((v) => ({ key: d.key, value: encodeMessage(v) })),
    );
    await log.publish(
      TOPICS.anomalies.name,
      [a, a].map((v) => ({ key: d.key, value: encodeMessage(v) })),
    );
    await drained(log);
    expect(engine.stats()).toMatchObject({ resources: 1, changes: 1, anomalies: 1 });
    await log.publish(TOPICS.objects.name, [{ key: d.key, value: null }]);
    await drained(log);
    expect(engine.stats().resources).toBe(0);
    await processor.stop();
  });

  it("skips the differ's bookkeeping records on the objects topic", async () => {
    const log = new MemoryEventLog();
    const engine = new CausalityEngine();
    const processor = new CorrelatorProcessor(log, engine);
    await processor.start();
    const d = deployment('cart');
    const checkpoint = { ...d.state, ref: { ...d.state.ref, kind: 'DifferCheckpoint', name: 'p0' } };
    await log.publish(TOPICS.objects.name, [
      { key: 'checkpoint/p0', value: encodeMessage(checkpoint), headers: { [BOOKKEEPING_HEADER]: '1' } },
      { key: d.key, value: encodeMessage(d.state) },
    ]);
    await drained(log);
    expect(engine.stats().resources).toBe(1);
    await processor.stop();
  });
});
