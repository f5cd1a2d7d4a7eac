/**
 * Takes the batches of several partitions in hand one after another through their records, first come first
 * served, while their flushes (I/O) run freely.
 *
 * Why: a consumer holds several partitions' batches at once so that one batch's output is acknowledged while
 * another is handled. Interleaved record by record (each batch yields to the event loop every few milliseconds),
 * they all finished together and their output was published at the very end, with the CPU half idle while the
 * producer's requests went out one by one: a third of bench:differ's time. In turns, each batch's output goes out
 * while the next batch is handled, and the event loop still gets its turn as often as before.
 */
export class HandlingTurns {
  private last: Promise<void> = Promise.resolve();

  /** Waits for the turns taken before this one; the returned function ends this turn (a second call is a no-op). */
  async take(): Promise<() => void> {
    const before = this.last;
    let end!: () => void;
    this.last = new Promise<void>((resolve) => (end = resolve));
    await before;
    return end;
  }
}
