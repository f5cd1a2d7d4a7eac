import { describe, expect, it } from 'vitest';
import { runBatch } from './batch-runner.js';
import { DEAD_LETTER_TOPIC } from './dead-letter.js';
import type { ConsumedRecord, LogRecord, RecordHandler } from './event-log.port.js';

const records = (n: number): ConsumedRecord[] =>
  Array.from({ length: n }, (_, i) => ({
    topic: 't',
    partition: 0,
    offset: String(i),
    key: `k${i}`,
    value: Buffer.from('{}'),
    headers: {},
    timestamp: '0',
  }));

/** Keeps the CPU for `ms` without awaiting anything, as a handler diffing a large object does. */
function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('runBatch', () => {
  it('lets the event loop turn during a long batch of a handler that never awaits I/O', async () => {
    let handled = 0;
    const handler: RecordHandler = {
      handle: async () => {
        busy(2);
        handled++;
      },
    };
    // A health check or a produce acknowledgement, waiting for the loop.
    let handledWhenLoopTurned: number | undefined;
    setImmediate(() => (handledWhenLoopTurned = handled));
    await runBatch({ groupId: 'g', records: records(100), handler, publish: async () => {} });
    expect(handled).toBe(100);
    expect(handledWhenLoopTurned).toBeDefined();
    expect(handledWhenLoopTurned).toBeLessThan(100);
  });

  it('sends a poison record to the dead-letter topic and goes on with the next, then flushes', async () => {
    const published: [string, readonly LogRecord[]][] = [];
    const done: string[] = [];
    let flushed = 0;
    const handler: RecordHandler = {
      handle: async (r) => {
        if (r.offset === '1') throw Object.assign(new Error('cannot diff'), { retryable: false });
      },
      flush: async () => void flushed++,
    };
    await runBatch({
      groupId: 'g',
      records: records(3),
      handler,
      publish: async (topic, recs) => void published.push([topic, recs]),
      onRecordDone: (r) => done.push(r.offset),
    });
    expect(done).toEqual(['0', '1', '2']);
    expect(published.map(([topic]) => topic)).toEqual([DEAD_LETTER_TOPIC]);
    expect(flushed).toBe(1);
  });
});
