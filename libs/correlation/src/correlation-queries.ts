import type { AnomalySignal, ChangeEvent, ObjectRef, ObjectState, SubjectRef } from '#contracts';

/**
 * What the correlator's engine answers. The gRPC service, the incident tracker, the replay command and the
 * benchmark all go through this one interface; the ranking method behind it is documented in the README.
 */

/** A resource as people and alerts name it; cluster and group are optional. */
export type ResourceSelector = Pick<SubjectRef, 'kind' | 'name'> &
  Partial<Pick<ObjectRef, 'cluster' | 'group' | 'namespace'>>;

export interface RankQuery {
  /** Investigation time: only changes and anomalies observed up to it count. */
  at: Date;
  symptom?: ResourceSelector;
  /** Instead of (or beside) a symptom: the anomalies of an incident. */
  anomalyIds?: readonly string[];
  /** Default 5. */
  top?: number;
  /** How far back candidate changes may lie. Default 2 h. */
  lookbackMs?: number;
}

export interface CausePathStep {
  resource: ResourceSelector;
  /** How this step reaches the next one, in the direction failures travel (calls, mounts, selects, ...). */
  relation: string;
}

export interface RankedCause {
  change: ChangeEvent;
  score: number;
  /** One paragraph for a person: what changed, who changed it, how it reaches the symptom, when. */
  explanation: string;
  path: CausePathStep[];
  /** Onset of the first explained anomaly minus the change time; undefined when none is explained. */
  secondsBeforeSymptom?: number;
  explainedAnomalyIds: string[];
  /** The score's named parts (prior, time, reach, explained, self-anomalous...). */
  evidence: Record<string, number>;
}

export interface RankResult {
  at: Date;
  causes: RankedCause[];
  anomalies: AnomalySignal[];
}

export interface TimelineQuery {
  resource: ResourceSelector;
  from: Date;
  to: Date;
  includeDependencies?: boolean;
}

export type TimelineEntry = { at: string; change: ChangeEvent } | { at: string; anomaly: AnomalySignal };

export interface DependencyGraphQuery {
  cluster?: string;
  namespace?: string;
  root?: ResourceSelector;
  depth?: number;
}

export interface DependencyGraphView {
  nodes: Array<{ id: string; resource: ResourceSelector }>;
  edges: Array<{ from: string; to: string; relation: string; attributes?: Record<string, unknown> }>;
}

/** The engine: fed from the objects, changes and anomalies topics; queried by everything else. */
export interface CorrelationEngine {
  applyObject(key: string, state: ObjectState | null): void;
  applyChange(change: ChangeEvent): void;
  applyAnomaly(anomaly: AnomalySignal): void;
  rankCauses(query: RankQuery): RankResult;
  timeline(query: TimelineQuery): TimelineEntry[];
  dependencyGraph(query: DependencyGraphQuery): DependencyGraphView;
  /** Drops changes and anomalies older than the window, relative to the newest event seen. */
  evictBefore(time: Date): void;
  /** Precomputes query caches for at most `budgetMs`; true when nothing is left (see IdleWarmer). */
  warm?(budgetMs: number): boolean;
  stats(): { resources: number; edges: number; changes: number; anomalies: number };
}
