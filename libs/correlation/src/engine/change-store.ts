import type { ChangeEvent } from '#contracts';
import { nodeId, TOP_WORKLOAD_KINDS } from '#graph';
import { toCandidate, type Candidate } from '../ranking/candidate-changes.js';

interface ChangeRecord {
  change: ChangeEvent;
  time: number;
  /** toCandidate's answer: null for changes that cannot be causes (Pods, Events, ...). */
  candidate: Candidate | null;
}

/** Whether parsed times never decrease (and all parsed), so that windows can be found by binary search. */
const isMonotone = (records: readonly ChangeRecord[]) =>
  records.every((r, i) => !Number.isNaN(r.time) && (i === 0 || r.time >= records[i - 1].time));

const byTimeThenId = (a: ChangeRecord, b: ChangeRecord) =>
  a.change.changedAt < b.change.changedAt
    ? -1
    : a.change.changedAt > b.change.changedAt
      ? 1
      : a.change.changeId < b.change.changeId
        ? -1
        : 1;

/**
 * The changes the engine keeps, in the order the ranking has always seen them (arrival order while they arrive
 * in time order, sorted by time then id once one arrives late). Queries read a time window by binary search
 * instead of parsing every change, a change's candidate (prior, notes) is computed once, and workload changes are
 * indexed by resource for the rollout check of the evidence.
 */
export class ChangeStore {
  private records: ChangeRecord[] = [];
  private sorted = true;
  /** Parsed times never decrease along `records`, so windows can be found by binary search. */
  private monotone = true;
  private byWorkload = new Map<string, ChangeRecord[]>();

  get size(): number {
    return this.records.length;
  }

  add(change: ChangeEvent): void {
    const last = this.records.at(-1);
    if (last && last.change.changedAt > change.changedAt) this.sorted = false;
    // The candidate (prior, notes) is derived here, once, so that no query pays for a window it opens first.
    const record: ChangeRecord = {
      change,
      time: Date.parse(change.changedAt),
      candidate: toCandidate(change) ?? null,
    };
    if (!(record.time >= (last?.time ?? -Infinity))) this.monotone = false;
    this.records.push(record);
    this.index(record);
  }

  private index(record: ChangeRecord): void {
    if (!TOP_WORKLOAD_KINDS.includes(record.change.ref.kind)) return;
    const id = nodeId({ ...record.change.ref });
    if (!this.byWorkload.has(id)) this.byWorkload.set(id, []);
    this.byWorkload.get(id)!.push(record);
  }

  private ordered(): ChangeRecord[] {
    if (!this.sorted) {
      this.records.sort(byTimeThenId);
      this.sorted = true;
      this.monotone = isMonotone(this.records);
    }
    return this.records;
  }

  /** Records with from <= time <= to, in store order; every record with a scan when times are not monotone. */
  private span(
    from: number,
    to: number,
  ): { records: ChangeRecord[]; lo: number; hi: number; exact: boolean } {
    const records = this.ordered();
    if (!this.monotone) return { records, lo: 0, hi: records.length, exact: false };
    const firstAbove = (t: number, inclusive: boolean) => {
      let lo = 0;
      let hi = records.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (inclusive ? records[mid].time >= t : records[mid].time > t) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    return { records, lo: firstAbove(from, true), hi: firstAbove(to, false), exact: true };
  }

  /** Candidate causes changed in [from, at] (in `cluster` if given), in store order. */
  candidates(from: number, at: number, cluster: string | undefined): Candidate[] {
    const { records, lo, hi, exact } = this.span(from, at);
    const out: Candidate[] = [];
    for (let i = lo; i < hi; i++) {
      const r = records[i];
      if (!exact && !(r.time <= at && r.time >= from)) continue;
      if (cluster && r.change.ref.cluster !== cluster) continue;
      if (r.candidate) out.push(r.candidate);
    }
    return out;
  }

  /** Changes with from <= time <= to; with unparseable times (no binary search) those are kept, as a scan would. */
  between(from: number, to: number): ChangeEvent[] {
    const { records, lo, hi, exact } = this.span(from, to);
    const out: ChangeEvent[] = [];
    for (let i = lo; i < hi; i++) {
      const r = records[i];
      if (exact || !(r.time < from || r.time > to)) out.push(r.change);
    }
    return out;
  }

  /** Spec change times of a workload up to `at` (in `cluster` if given), to tell rollout noise from symptoms. */
  rolloutTimes(node: string, at: number, cluster: string | undefined): number[] {
    const out: number[] = [];
    for (const r of this.byWorkload.get(node) ?? [])
      if (r.time <= at && (!cluster || r.change.ref.cluster === cluster)) out.push(r.time);
    return out;
  }

  /** The workload's changes after `t`, in time order: the next change of its pod template bounds a revision. */
  changesAfter(node: string, t: number): ChangeEvent[] {
    return (this.byWorkload.get(node) ?? [])
      .filter((r) => r.time > t)
      .sort((a, b) => a.time - b.time)
      .map((r) => r.change);
  }

  /** Drops changes made before `iso` (compared as the engine always has, as ISO strings). */
  evictBefore(iso: string): void {
    this.records = this.ordered().filter((r) => r.change.changedAt >= iso);
    this.monotone = isMonotone(this.records);
    this.byWorkload = new Map();
    for (const r of this.records) this.index(r);
  }
}
