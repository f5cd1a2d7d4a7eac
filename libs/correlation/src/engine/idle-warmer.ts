/** What IdleWarmer drives: work done in slices of at most `budgetMs`; true when nothing is left. */
export interface Warmable {
  warm?(budgetMs: number): boolean;
}

export interface IdleWarmerOptions {
  /** How long input must have been quiet before warming starts. Default 1 s. */
  idleMs?: number;
  /** Longest slice of warming at once, so that a query arriving meanwhile waits at most this long. Default 20 ms. */
  sliceMs?: number;
}

/**
 * Warms the engine's query caches while the correlator has nothing else to do: after a start (the graph rebuilt
 * from Kafka) or a burst of changes, the first investigations would otherwise pay for thousands of propagation
 * searches. Input only marks the engine dirty (cheap per record); a timer checks for quiet.
 */
export class IdleWarmer {
  private readonly idleMs: number;
  private readonly sliceMs: number;
  private lastInput = 0;
  private dirty = false;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly engine: Warmable,
    options: IdleWarmerOptions = {},
  ) {
    this.idleMs = options.idleMs ?? 1_000;
    this.sliceMs = options.sliceMs ?? 20;
  }

  /** New input arrived: warm again once it has been quiet for a while. */
  touch(): void {
    this.dirty = true;
    this.lastInput = performance.now();
  }

  start(): void {
    if (this.timer || !this.engine.warm) return;
    this.schedule(this.idleMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(ms: number): void {
    this.timer = setTimeout(() => this.tick(), ms);
    // Warming never keeps a process alive that would otherwise exit.
    this.timer.unref();
  }

  private tick(): void {
    const quietFor = performance.now() - this.lastInput;
    if (!this.dirty || quietFor < this.idleMs) {
      this.schedule(this.dirty ? Math.max(1, this.idleMs - quietFor) : this.idleMs);
      return;
    }
    const done = this.engine.warm!(this.sliceMs);
    if (done) this.dirty = false;
    // Between slices the event loop serves whatever came (queries, records).
    this.schedule(done ? this.idleMs : 0);
  }
}
