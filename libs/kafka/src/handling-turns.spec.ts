import { setImmediate as nextTurnOfLoop } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { runBatch } from './batch-runner.js';
import { HandlingTurns } from './handling-turns.js';
import type { ConsumedRecord, RecordHandler } from './event-log.port.js';

const batch = (partition: number, n: number): ConsumedRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    topic: 't',
    partition,
    offset: String(i),
    key: `k${i}`,
    value: Buffer.from('{}'),
    headers: {},
    timestamp: '0',
  }));

describe('HandlingTurns', () => {
  it('gives turns first come, first served', async () => {
    const turns = new HandlingTurns();
    const order: string[] = [];
    const endA = await turns.take();
    const b = turns.take().then((end) => (order.push('b'), end));
    const c = turns.take().then((end) => (order.push('c'), end));
    await nextTurnOfLoop();
    expect(order).toEqual([]);
    endA();
    (await b)();
    (await c)();
    expect(order).toEqual(['b', 'c']);
  });
});

describe('runBatch with turns', () => {
  /** Partitions 0 and 1 in hand at once; partition 0's flush waits until partition 1's records are handled. */
  async function twoPartitions(turns?: HandlingTurns) {
    const handled: number[] = [];
    let secondHandled!: () => void;
    const secondDone = new Promise<void>((r) => (secondHandled = r));
    const handler: RecordHandler = {
      handle: async (r) => {
        handled.push(r.partition);
        // A wait inside handling (a heartbeat, a yield): without turns, the other batch runs meanwhile.
        await nextTurnOfLoop();
        if (r.partition === 1 && r.offset === '2') secondHandled();
      },
      flush: async (tp) => {
        if (tp.partition === 0) await secondDone;
      },
    };
    const run = (p: number) =>
      runBatch({ groupId: 'g', records: batch(p, 3), handler, publish: async () => {}, turns });
    await Promise.all([run(0), run(1)]);
    return handled;
  }

  it("handles one batch's records after the other's, and flushes one while the next is handled", async () => {
    // Completing at all shows the overlap: partition 0's flush resolves only once partition 1 is handled.
    expect(await twoPartitions(new HandlingTurns())).toEqual([0, 0, 0, 1, 1, 1]);
  });

  it('interleaves the batches without turns', async () => {
    expect(await twoPartitions()).toEqual([0, 1, 0, 1, 0, 1]);
  });

  it('leaves the turn to the other batch while a record waits to be retried', async () => {
    const turns = new HandlingTurns();
    const handled: string[] = [];
    let failedOnce = false;
    const handler: RecordHandler = {
      handle: async (r) => {
        handled.push(`${r.partition}:${r.offset}`);
        if (r.partition === 0 && !failedOnce) {
          failedOnce = true;
          throw Object.assign(new Error('broker unavailable'), { retryable: true });
        }
      },
    };
    const backoff = { attempts: 3, initialMs: 20, maxMs: 20 };
    await Promise.all(
      [0, 1].map((p) =>
        runBatch({ groupId: 'g', records: batch(p, 1), handler, publish: async () => {}, turns, backoff }),
      ),
    );
    expect(handled).toEqual(['0:0', '1:0', '0:0']);
  });
});
