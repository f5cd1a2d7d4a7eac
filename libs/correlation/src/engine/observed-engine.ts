import type { AnomalySignal, ChangeEvent, ObjectState } from '#contracts';
import type { WorkloadWindow } from '#metrics';
import type { MetricEvidence } from '../evidence/metric-symptoms.js';
import type {
  CorrelationEngine,
  DependencyGraphQuery,
  DependencyGraphView,
  RankQuery,
  RankResult,
  ResourceSelector,
  TimelineEntry,
  TimelineQuery,
} from '../correlation-queries.js';

export interface EngineListener {
  /** The graph changed (an object was applied or removed). */
  onObject?(key: string): void;
  onChange?(change: ChangeEvent): void;
  onAnomaly?(anomaly: AnomalySignal): void;
}

/**
 * The engine as the rest of the service sees it: every call goes to the real engine, and whatever the
 * CorrelatorProcessor applies is also told to listeners (WatchChanges streams, the incident tracker). This
 * way the live feed is exactly what the engine knows, in the order it learnt it, with no second Kafka
 * subscription, and the processor does not need to know who listens.
 */
export class ObservedEngine implements CorrelationEngine {
  private readonly listeners = new Set<EngineListener>();

  constructor(readonly inner: CorrelationEngine) {}

  listen(listener: EngineListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  applyObject(key: string, state: ObjectState | null): void {
    this.inner.applyObject(key, state);
    for (const l of this.listeners) l.onObject?.(key);
  }

  applyChange(change: ChangeEvent): void {
    this.inner.applyChange(change);
    for (const l of this.listeners) l.onChange?.(change);
  }

  applyAnomaly(anomaly: AnomalySignal): void {
    this.inner.applyAnomaly(anomaly);
    for (const l of this.listeners) l.onAnomaly?.(anomaly);
  }

  rankCauses(query: RankQuery, metrics?: MetricEvidence): RankResult {
    return this.inner.rankCauses(query, metrics);
  }

  knowsResource(sel: ResourceSelector): boolean {
    return this.inner.knowsResource?.(sel) ?? true;
  }

  knowsNamespace(namespace: string, cluster?: string): boolean {
    return this.inner.knowsNamespace?.(namespace, cluster) ?? true;
  }

  metricNeeds(query: RankQuery): WorkloadWindow[] {
    return this.inner.metricNeeds?.(query) ?? [];
  }

  warm(budgetMs: number): boolean {
    return this.inner.warm?.(budgetMs) ?? true;
  }

  timeline(query: TimelineQuery): TimelineEntry[] {
    return this.inner.timeline(query);
  }

  dependencyGraph(query: DependencyGraphQuery): DependencyGraphView {
    return this.inner.dependencyGraph(query);
  }

  evictBefore(time: Date): void {
    this.inner.evictBefore(time);
  }

  stats(): ReturnType<CorrelationEngine['stats']> {
    return this.inner.stats();
  }
}
