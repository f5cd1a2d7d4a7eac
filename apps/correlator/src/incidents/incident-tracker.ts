import type { AnomalySignal, ChangeEvent } from '#contracts';
import { stableId } from '#contracts';
import type { CorrelationEngine, ResourceSelector } from '#correlation';
import { componentLogger, counter, gauge } from '#observability';
import type { CorrelatorConfig } from '../config/correlator.config.js';
import { resourceKey, type Incident } from './incident.js';

const log = componentLogger('incidents');
const incidentsOpened = counter({
  name: 'ia_incidents_opened_total',
  help: 'Incidents opened by anomaly grouping.',
});
const incidentsMerged = counter({
  name: 'ia_incidents_merged_total',
  help: 'Incidents merged because an anomaly connected them.',
});
const incidentsOpen = gauge({ name: 'ia_incidents_open', help: 'Incidents currently open.' });
const reranks = counter({
  name: 'ia_incident_reranks_total',
  help: 'Cause re-rankings of incidents.',
  labelNames: ['outcome'],
});

export type IncidentSettings = CorrelatorConfig['incidents'];

/**
 * Groups anomalies into incidents and keeps each incident's ranked causes current.
 *
 * The rule, meant to be explained in one sentence: an anomaly joins an open incident when it started within
 * `windowMs` of the incident's latest anomaly and its subject (or workload) lies within `topologyDepth` hops of
 * one of the incident's subjects in the engine's dependency graph, in either direction; if it joins several,
 * they merge. Otherwise it opens a new incident. All times are event times (onset, observedAt), so a replay or
 * a restart groups the same anomalies the same way.
 */
export class IncidentTracker {
  private readonly incidents = new Map<string, Incident>();
  /** anomalyId -> incidentId */
  private readonly byAnomaly = new Map<string, string>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly firstDirtyAt = new Map<string, number>();
  /** The newest event time seen: decides idleness without the wall clock. */
  private now = 0;
  private stopped = false;
  private paused = false;
  private pending: AnomalySignal[] = [];
  /** Neighbourhoods by root resource, valid until the graph changes (see onGraphChanged). */
  private readonly neighbourhoods = new Map<string, Set<string>>();

  constructor(
    private readonly engine: CorrelationEngine,
    private readonly settings: IncidentSettings,
  ) {}

  onAnomaly(anomaly: AnomalySignal): void {
    if (this.paused) {
      // Grouped at resume, in onset order, against the complete graph: the same incidents in any interleaving.
      this.pending.push(anomaly);
      return;
    }
    const observed = Date.parse(anomaly.observedAt);
    this.now = Math.max(this.now, observed);
    const known = this.byAnomaly.get(anomaly.anomalyId);
    if (known) {
      const incident = this.incidents.get(known)!;
      incident.anomalies.set(anomaly.anomalyId, anomaly);
      incident.lastSeenAt = Math.max(incident.lastSeenAt, observed);
      this.touch(incident);
      return;
    }
    // A resolution ends the firing signals of its series (resolved.ts) and, when none is left firing, the
    // incident; a resolution of an anomaly we never saw firing starts nothing.
    if (anomaly.status === 'resolved') {
      this.resolve(anomaly);
      return;
    }

    const onset = Date.parse(anomaly.onset);
    const keys = subjectKeys(anomaly);
    const around = this.neighbourhood(anomaly);
    const joined = [...this.incidents.values()].filter(
      (i) =>
        i.status === 'open' &&
        onset <= i.lastSeenAt + this.settings.windowMs &&
        onset >= i.startedAt - this.settings.windowMs &&
        ([...i.subjects].some((k) => around.has(k)) || keys.some((k) => i.neighbourhood.has(k))),
    );

    let incident: Incident;
    if (joined.length === 0) {
      incident = {
        incidentId: `inc-${stableId('incident', anomaly.anomalyId).slice(0, 16)}`,
        startedAt: onset,
        lastSeenAt: observed,
        anomalies: new Map(),
        subjects: new Set(),
        neighbourhood: new Set(),
        causes: [],
        stale: true,
        status: 'open',
      };
      this.incidents.set(incident.incidentId, incident);
      incidentsOpened.inc();
      log.info(
        { incidentId: incident.incidentId, reason: anomaly.reason, subject: keys[0] },
        'incident opened',
      );
    } else {
      joined.sort((a, b) => a.startedAt - b.startedAt || a.incidentId.localeCompare(b.incidentId));
      incident = joined[0];
      for (const other of joined.slice(1)) this.merge(incident, other);
    }
    incident.anomalies.set(anomaly.anomalyId, anomaly);
    this.byAnomaly.set(anomaly.anomalyId, incident.incidentId);
    for (const k of keys) incident.subjects.add(k);
    for (const k of around) incident.neighbourhood.add(k);
    incident.startedAt = Math.min(incident.startedAt, onset);
    incident.lastSeenAt = Math.max(incident.lastSeenAt, observed);
    this.rename(incident);
    this.touch(incident);
    this.evictOverflow();
  }

  /**
   * An incident is named after its earliest anomaly, whatever order anomalies arrived in: a correlator
   * rebuilding from Kafka reads partitions in a different interleaving and must still give the same ids.
   */
  private rename(incident: Incident): void {
    const id = incidentIdOf(incident);
    if (id === incident.incidentId) return;
    const old = incident.incidentId;
    this.incidents.delete(old);
    clearTimeout(this.timers.get(old));
    this.timers.delete(old);
    this.firstDirtyAt.delete(old);
    incident.incidentId = id;
    this.incidents.set(id, incident);
    for (const anomalyId of incident.anomalies.keys()) this.byAnomaly.set(anomalyId, id);
  }

  /**
   * A change can arrive after the anomalies it explains (other partitions, a rebuild reading topics side by
   * side): incidents around the changed resource then rank again.
   */
  onChange(change: ChangeEvent): void {
    if (this.paused) return; // resume() re-ranks everything anyway
    const key = resourceKey(change.ref);
    for (const i of this.incidents.values()) {
      if (i.status === 'open' && i.neighbourhood.has(key)) this.touch(i);
    }
  }

  /** While paused (the graph is being rebuilt at start) nothing is ranked; resume ranks what is open. */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const pending = this.pending.sort(
      (a, b) =>
        a.onset.localeCompare(b.onset) ||
        a.observedAt.localeCompare(b.observedAt) ||
        a.anomalyId.localeCompare(b.anomalyId),
    );
    this.pending = [];
    for (const a of pending) this.onAnomaly(a);
    for (const i of this.incidents.values()) this.touch(i);
  }

  private resolve(resolution: AnomalySignal): void {
    const ended = resolvedAt(resolution);
    for (const incident of this.incidents.values()) {
      let matched = false;
      for (const [id, a] of incident.anomalies) {
        if (a.status !== 'firing' || !sameSeries(a, resolution) || Date.parse(a.onset) > ended) continue;
        incident.anomalies.set(id, { ...a, status: 'resolved' });
        matched = true;
      }
      if (!matched) continue;
      incident.anomalies.set(resolution.anomalyId, resolution);
      this.byAnomaly.set(resolution.anomalyId, incident.incidentId);
      incident.lastSeenAt = Math.max(incident.lastSeenAt, Date.parse(resolution.observedAt));
      this.touch(incident);
      if (incident.status === 'resolved') log.info({ incidentId: incident.incidentId }, 'incident resolved');
    }
  }

  /** An object was applied: cached neighbourhoods may be out of date. */
  onGraphChanged(): void {
    if (this.neighbourhoods.size > 0) this.neighbourhoods.clear();
  }

  /** Incidents newest first, with causes re-ranked now if anomalies arrived since the last ranking. */
  list(options: { since?: Date; includeResolved?: boolean } = {}): Incident[] {
    this.resolveIdle();
    const since = options.since?.getTime() ?? -Infinity;
    const out = [...this.incidents.values()]
      .filter((i) => (options.includeResolved || i.status === 'open') && i.lastSeenAt >= since)
      .sort((a, b) => b.startedAt - a.startedAt || a.incidentId.localeCompare(b.incidentId));
    for (const i of out) if (i.stale) this.rerank(i);
    return out;
  }

  get(incidentId: string): Incident | undefined {
    const i = this.incidents.get(incidentId);
    if (i?.stale) this.rerank(i);
    return i;
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** What lies within the topology depth of the anomaly's workload (or subject when no workload is known). */
  private neighbourhood(anomaly: AnomalySignal): Set<string> {
    const root = anomaly.workload ?? anomaly.subject;
    const cacheKey = `${anomaly.cluster}|${resourceKey(root)}`;
    let around = this.neighbourhoods.get(cacheKey);
    if (!around) {
      around = new Set<string>();
      try {
        const view = this.engine.dependencyGraph({
          cluster: anomaly.cluster,
          root: root as ResourceSelector,
          depth: this.settings.topologyDepth,
        });
        for (const n of view.nodes) around.add(resourceKey(n.resource));
      } catch (err) {
        log.debug(
          { err: String(err), subject: resourceKey(root) },
          'no dependency graph around anomaly subject',
        );
      }
      this.neighbourhoods.set(cacheKey, around);
    }
    return new Set([...subjectKeys(anomaly), ...around]);
  }

  private merge(into: Incident, from: Incident): void {
    for (const [id, a] of from.anomalies) {
      into.anomalies.set(id, a);
      this.byAnomaly.set(id, into.incidentId);
    }
    for (const k of from.subjects) into.subjects.add(k);
    for (const k of from.neighbourhood) into.neighbourhood.add(k);
    into.startedAt = Math.min(into.startedAt, from.startedAt);
    into.lastSeenAt = Math.max(into.lastSeenAt, from.lastSeenAt);
    this.incidents.delete(from.incidentId);
    clearTimeout(this.timers.get(from.incidentId));
    this.timers.delete(from.incidentId);
    incidentsMerged.inc();
    log.info({ into: into.incidentId, from: from.incidentId }, 'incidents merged');
  }

  /** Marks causes stale and schedules a debounced re-rank (bounded so a steady trickle still re-ranks). */
  private touch(incident: Incident): void {
    incident.stale = true;
    incident.status = [...incident.anomalies.values()].some((a) => a.status === 'firing')
      ? 'open'
      : 'resolved';
    incidentsOpen.set([...this.incidents.values()].filter((i) => i.status === 'open').length);
    if (this.stopped || this.paused) return;
    const id = incident.incidentId;
    const first = this.firstDirtyAt.get(id) ?? Date.now();
    this.firstDirtyAt.set(id, first);
    clearTimeout(this.timers.get(id));
    const maxWait = this.settings.rerankDebounceMs * 5;
    const delay = Math.max(0, Math.min(this.settings.rerankDebounceMs, first + maxWait - Date.now()));
    const timer = setTimeout(() => {
      this.timers.delete(id);
      const current = this.incidents.get(id);
      if (current?.stale) this.rerank(current);
    }, delay);
    timer.unref();
    this.timers.set(id, timer);
  }

  private rerank(incident: Incident): void {
    this.firstDirtyAt.delete(incident.incidentId);
    try {
      const result = this.engine.rankCauses({
        at: new Date(incident.lastSeenAt),
        anomalyIds: [...incident.anomalies.keys()].sort(),
        top: this.settings.topCauses,
      });
      incident.causes = result.causes;
      incident.stale = false;
      reranks.inc({ outcome: 'ok' });
    } catch (err) {
      reranks.inc({ outcome: 'error' });
      log.warn(
        { incidentId: incident.incidentId, err: String(err) },
        'ranking the causes of an incident failed',
      );
    }
  }

  private resolveIdle(): void {
    for (const i of this.incidents.values()) {
      if (i.status === 'open' && this.now - i.lastSeenAt > this.settings.idleResolveMs) i.status = 'resolved';
    }
  }

  private evictOverflow(): void {
    if (this.incidents.size <= this.settings.maxIncidents) return;
    const oldest = [...this.incidents.values()].sort(
      (a, b) => Number(a.status === 'open') - Number(b.status === 'open') || a.lastSeenAt - b.lastSeenAt,
    );
    for (const i of oldest.slice(0, this.incidents.size - this.settings.maxIncidents)) {
      for (const id of i.anomalies.keys()) this.byAnomaly.delete(id);
      clearTimeout(this.timers.get(i.incidentId));
      this.timers.delete(i.incidentId);
      this.incidents.delete(i.incidentId);
    }
  }
}

function incidentIdOf(incident: Incident): string {
  let first: AnomalySignal | undefined;
  for (const a of incident.anomalies.values()) {
    if (!first || a.onset < first.onset || (a.onset === first.onset && a.anomalyId < first.anomalyId))
      first = a;
  }
  return `inc-${stableId('incident', first!.anomalyId).slice(0, 16)}`;
}

/**
 * A resolution and the firing signal it ends: same source, reason and subject (an alert's resolution also carries
 * the same startsAt; the differ's carries the recovery time as its onset).
 */
function sameSeries(firing: AnomalySignal, resolution: AnomalySignal): boolean {
  return (
    firing.source === resolution.source &&
    firing.reason === resolution.reason &&
    firing.subject.kind === resolution.subject.kind &&
    firing.subject.name === resolution.subject.name &&
    (firing.subject.namespace ?? null) === (resolution.subject.namespace ?? null) &&
    (firing.source !== 'alertmanager' || firing.onset === resolution.onset)
  );
}

/** When the resolved problem ended: an alert's endsAt, else the resolution's onset (the recovery). */
function resolvedAt(r: AnomalySignal): number {
  const t = Date.parse(r.labels?.endsAt ?? (r.source === 'alertmanager' ? r.observedAt : r.onset));
  return Number.isNaN(t) ? Date.parse(r.observedAt) : t;
}

function subjectKeys(a: AnomalySignal): string[] {
  const keys = [resourceKey(a.subject)];
  if (a.workload) keys.push(resourceKey(a.workload));
  return keys;
}
