import type { AnomalySignal, ChangeEvent, ObjectRef, ObjectState, SubjectRef } from '#contracts';
import type { WorkloadWindow } from '#metrics';
import type { MetricEvidence } from './evidence/metric-symptoms.js';

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
  /**
   * When fewer than `top` changes fall within the look-back, look further back until there are (the answer's
   * `window` says how far it went). Off unless asked: the look-back is what the user asked for.
   */
  widenLookback?: boolean;
}

/**
 * What the answer says of itself: `explained` when it is more likely than not that the first cause caused the
 * incident; `no-change-explains` when there are symptoms but no change in the window explains them well;
 * `no-evidence` when nothing shows an incident (no symptom in the window, or an unknown symptom resource).
 */
export type Verdict = 'explained' | 'no-change-explains' | 'no-evidence';

export interface CausePathStep {
  resource: ResourceSelector;
  /** How this step reaches the next one, in the direction failures travel (calls, mounts, selects, ...). */
  relation: string;
}

export interface RankedCause {
  change: ChangeEvent;
  /**
   * The estimated probability that this change caused the incident, in [0, 1]: calibrated on generated incidents
   * (docs/ranking.md, "Confidence"). What people should read; `score` only orders.
   */
  confidence: number;
  score: number;
  /** One paragraph for a person: what changed, who changed it, how it reaches the symptom, when. */
  explanation: string;
  path: CausePathStep[];
  /** Onset of the first explained anomaly minus the change time; undefined when none is explained. */
  secondsBeforeSymptom?: number;
  explainedAnomalyIds: string[];
  /** The score's named parts (prior, time, reach, explained, self-anomalous...). */
  evidence: Record<string, number>;
  /** What the golden signals showed of the pods and workloads this change acted on, when metrics were read. */
  metricEvidence?: MetricEvidenceItem[];
}

/** One deviation of golden signals a cause explains (evidence/metric-finding.ts), as answers carry it. */
export interface MetricEvidenceItem {
  /** errors, silent, latency, cpu, memory */
  kind: string;
  signal: string;
  /** new-revision: the change's new pods against the old ones; after-change: the workload after against before. */
  comparison: string;
  workload: ResourceSelector;
  /** The ReplicaSet of the new pods (new-revision). */
  revision?: string;
  value: number;
  baseline: number;
  p: number;
  from: string;
  to: string;
  callers: Array<{ caller: string; value: number; baseline: number }>;
  summary: string;
}

export interface RankResult {
  at: Date;
  verdict: Verdict;
  /** Why, in one sentence. */
  reason: string;
  /** The look-back the candidates came from: as asked, or as far as widenLookback went. */
  window: { from: Date; to: Date };
  /** Set when the query named a symptom resource the engine has never seen (no object, no signal). */
  unknownSymptom?: boolean;
  causes: RankedCause[];
  anomalies: AnomalySignal[];
  /** Present when a metrics source was asked: where from, for how many workloads, and what it could not answer. */
  metrics?: { source: string; workloads: number; failures: Array<{ workload: string; reason: string }> };
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
  /** Ranks with what the engine holds, and the golden signals of `metrics` when given (see metricNeeds). */
  rankCauses(query: RankQuery, metrics?: MetricEvidence): RankResult;
  /** The workloads (and windows) whose golden signals would sharpen this query's ranking. */
  metricNeeds?(query: RankQuery): WorkloadWindow[];
  timeline(query: TimelineQuery): TimelineEntry[];
  dependencyGraph(query: DependencyGraphQuery): DependencyGraphView;
  /** Whether the engine has seen the resource (an object, or a signal about it): unknown ones are user errors. */
  knowsResource?(sel: ResourceSelector): boolean;
  /** Whether any object of the namespace is known (in the cluster, or the default one). */
  knowsNamespace?(namespace: string, cluster?: string): boolean;
  /** Drops changes and anomalies older than the window, relative to the newest event seen. */
  evictBefore(time: Date): void;
  /** Precomputes query caches for at most `budgetMs`; true when nothing is left (see IdleWarmer). */
  warm?(budgetMs: number): boolean;
  stats(): { resources: number; edges: number; changes: number; anomalies: number };
}
