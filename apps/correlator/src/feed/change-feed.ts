import type { ChangeEvent } from '#contracts';

export interface ChangeFilter {
  cluster?: string;
  namespace?: string;
  /** Case-insensitive kind names; empty means all. */
  kinds?: readonly string[];
  /** Change classes; a change matches when it has any of them. Empty means all. */
  classes?: readonly string[];
}

export function matchesFilter(change: ChangeEvent, f: ChangeFilter): boolean {
  if (f.cluster && change.ref.cluster !== f.cluster) return false;
  if (f.namespace && change.ref.namespace !== f.namespace) return false;
  if (f.kinds?.length && !f.kinds.some((k) => k.toLowerCase() === change.ref.kind.toLowerCase()))
    return false;
  if (f.classes?.length && !change.classes.some((c) => f.classes!.includes(c))) return false;
  return true;
}

export type ChangeSubscriber = (change: ChangeEvent) => void;

/**
 * The live change stream behind WatchChanges, fed by the engine (see ObservedEngine), plus a bounded buffer of
 * recent changes for `since` replays. A change delivered twice (a re-consumed batch) is passed on once.
 */
export class ChangeFeed {
  private readonly recent: ChangeEvent[] = [];
  private readonly recentIds = new Set<string>();
  private readonly subscribers = new Set<ChangeSubscriber>();
  private closed = false;
  private readonly closeHandlers = new Set<() => void>();

  constructor(private readonly bufferSize: number) {}

  publish(change: ChangeEvent): void {
    if (this.recentIds.has(change.changeId)) return;
    if (this.bufferSize > 0) {
      this.recent.push(change);
      this.recentIds.add(change.changeId);
      // Amortised trimming: drop a chunk at once rather than shifting on every publish.
      if (this.recent.length > this.bufferSize * 1.25) {
        for (const old of this.recent.splice(0, this.recent.length - this.bufferSize))
          this.recentIds.delete(old.changeId);
      }
    }
    for (const s of this.subscribers) s(change);
  }

  /** Changes still buffered whose changedAt is at or after `since`, in arrival order. */
  replaySince(since: Date, filter: ChangeFilter): ChangeEvent[] {
    const t = since.getTime();
    return this.recent.filter((c) => Date.parse(c.changedAt) >= t && matchesFilter(c, filter));
  }

  /** Subscribes to live changes; the returned function unsubscribes. */
  subscribe(subscriber: ChangeSubscriber): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  /** Called when the feed ends (shutdown): open streams finish cleanly. */
  onClose(handler: () => void): () => void {
    if (this.closed) handler();
    else this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const h of this.closeHandlers) h();
    this.closeHandlers.clear();
    this.subscribers.clear();
  }

  get size(): number {
    return this.recent.length;
  }
}
