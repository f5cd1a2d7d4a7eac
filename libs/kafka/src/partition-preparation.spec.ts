import { describe, expect, it } from 'vitest';
import type { RecordHandler, TopicPartition } from './event-log.port.js';
import { PartitionPreparation, tpKey } from './partition-preparation.js';

const tp = (partition: number): TopicPartition => ({ topic: 't', partition });
const assigned = new Map([0, 1, 2].map((p) => [tpKey(tp(p)), tp(p)]));
const beat = async () => {};

describe('PartitionPreparation', () => {
  it('prepares partitions whose first batches start together once, in one prepareAll', async () => {
    const calls: number[][] = [];
    const handler: RecordHandler = {
      handle: async () => {},
      prepareAll: async (tps) => {
        calls.push(tps.map((x) => x.partition));
        await new Promise((r) => setTimeout(r, 10));
      },
    };
    const prep = new PartitionPreparation(handler);
    await Promise.all([0, 1, 2].map((p) => prep.ensure(tp(p), assigned, beat)));
    expect(calls).toEqual([[0, 1, 2]]);
    prep.forget(tpKey(tp(1)));
    await prep.ensure(tp(1), assigned, beat);
    expect(calls).toEqual([[0, 1, 2], [1]]);
  });

  it('lets a waiting batch prepare on its own when the preparation it waited for failed', async () => {
    let attempt = 0;
    const handler: RecordHandler = {
      handle: async () => {},
      prepareAll: async () => {
        if (attempt++ === 0) throw new Error('restore failed');
      },
    };
    const prep = new PartitionPreparation(handler);
    const [first, second] = await Promise.allSettled([
      prep.ensure(tp(0), assigned, beat),
      prep.ensure(tp(1), assigned, beat),
    ]);
    expect(first.status).toBe('rejected');
    expect(second.status).toBe('fulfilled');
    expect(prep.keys()).toContain(tpKey(tp(1)));
  });
});
