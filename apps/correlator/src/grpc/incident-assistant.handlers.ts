import * as grpc from '@grpc/grpc-js';
import {
  anomalyKey,
  CE_TYPES,
  encodeMessage,
  stableId,
  TOPICS,
  AnomalySignalSchema,
  type AnomalySignal,
  type SubjectRef,
} from '#contracts';
import { rankWithMetrics, type CorrelationEngine } from '#correlation';
import { toLogRecord, type EventLog } from '#kafka';
import { summarizeByRevision, type MetricsSource } from '#metrics';
import { componentLogger, counter, histogram } from '#observability';
import type { IncidentTracker } from '../incidents/incident-tracker.js';
import type { Incident } from '../incidents/incident.js';
import type { ChangeFeed } from '../feed/change-feed.js';
import { watchChanges } from './watch-changes.stream.js';
import { ensureStillWanted, GrpcError, parseRequest } from './grpc-errors.js';
import {
  anomalyToProto,
  graphToProto,
  metricsUsedToProto,
  rankedCauseToProto,
  revisionMetricsToProto,
  timelineEntryToProto,
  toTimestamp,
} from './proto-mapping.js';
import {
  GetDependencyGraphRequestSchema,
  GetTimelineRequestSchema,
  ListIncidentsRequestSchema,
  RankCausesRequestSchema,
  ReportAnomalyRequestSchema,
} from './request-schemas.js';

const log = componentLogger('grpc');
const calls = counter({
  name: 'ia_grpc_calls_total',
  help: 'gRPC calls answered, by method and status code.',
  labelNames: ['method', 'code'],
});
const seconds = histogram({
  name: 'ia_grpc_call_seconds',
  help: 'Time to answer a unary gRPC call.',
  labelNames: ['method'],
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
});

const DEFAULT_TOP = 5;
const DEFAULT_LOOKBACK_S = 7_200;
const DEFAULT_TIMELINE_MS = 2 * 3_600_000;

export interface HandlerDeps {
  engine: CorrelationEngine;
  incidents: IncidentTracker;
  feed: ChangeFeed;
  log: EventLog;
  cluster: string;
  maxQueuedPerStream: number;
  /** Where rankings read golden signals (Prometheus); without it, they use watch events and alerts only. */
  metrics?: MetricsSource;
}

type Unary = (call: grpc.ServerUnaryCall<unknown, unknown>) => unknown | Promise<unknown>;

/** Runs a unary handler: errors become statuses (GrpcError as is, anything else INTERNAL without details). */
function unary(method: string, fn: Unary): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    const end = seconds.startTimer({ method });
    Promise.resolve()
      .then(() => {
        ensureStillWanted(call);
        return fn(call);
      })
      .then((response) => {
        // The engine's work is synchronous; if the caller gave up meanwhile, say so rather than answer late.
        ensureStillWanted(call);
        calls.inc({ method, code: 'OK' });
        callback(null, response);
      })
      .catch((err: unknown) => {
        const status = toStatus(method, err);
        calls.inc({ method, code: grpc.status[status.code] });
        callback(status);
      })
      .finally(() => end());
  };
}

function toStatus(method: string, err: unknown): grpc.ServiceError {
  if (err instanceof GrpcError)
    return Object.assign(new Error(err.message), {
      code: err.code,
      details: err.message,
      metadata: new grpc.Metadata(),
    });
  log.error({ method, err: String(err), stack: (err as Error)?.stack }, 'gRPC call failed');
  return Object.assign(new Error('internal error'), {
    code: grpc.status.INTERNAL,
    details: 'internal error (see the correlator log)',
    metadata: new grpc.Metadata(),
  });
}

function incidentToProto(i: Incident, topCauses: number) {
  return {
    incidentId: i.incidentId,
    startedAt: toTimestamp(new Date(i.startedAt)),
    lastSeenAt: toTimestamp(new Date(i.lastSeenAt)),
    anomalies: [...i.anomalies.values()].sort((a, b) => a.onset.localeCompare(b.onset)).map(anomalyToProto),
    causes: i.causes.slice(0, topCauses).map(rankedCauseToProto),
    status: i.status,
  };
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet']);

const describeRef = (r: { kind: string; name: string; namespace?: string | null }) =>
  `${r.namespace ? `${r.namespace}/` : ''}${r.kind}/${r.name}`;

/** A workload's golden signals per revision over the timeline's window, or why there are none. */
async function timelineMetrics(
  deps: HandlerDeps,
  resource: SubjectRef,
  from: Date,
  to: Date,
): Promise<{ metrics?: ReturnType<typeof revisionMetricsToProto>[]; metricsNote?: string }> {
  if (!WORKLOAD_KINDS.has(resource.kind)) return {};
  if (!deps.metrics) return { metricsNote: 'no metrics source is configured (PROMETHEUS_URL)' };
  if (!resource.namespace) return { metricsNote: 'a workload needs its namespace for metrics' };
  try {
    const signals = await deps.metrics.goldenSignals({
      cluster: resource.cluster ?? deps.cluster,
      namespace: resource.namespace,
      workload: resource.name,
      from: from.getTime(),
      to: to.getTime(),
    });
    const metrics = summarizeByRevision(signals).map(revisionMetricsToProto);
    return metrics.length ? { metrics } : { metricsNote: `${deps.metrics.description} has no series for it` };
  } catch (err) {
    return { metricsNote: `metrics unavailable: ${(err as Error).message}` };
  }
}

/** The implementation of incident_assistant.v1.IncidentAssistant over the correlation engine. */
export function incidentAssistantHandlers(deps: HandlerDeps): grpc.UntypedServiceImplementation {
  const { engine, incidents, feed } = deps;
  return {
    rankCauses: unary('RankCauses', async (call) => {
      const req = parseRequest(RankCausesRequestSchema, call.request);
      let at = req.at;
      let anomalyIds: string[] | undefined;
      if (req.incidentId) {
        const incident = incidents.get(req.incidentId);
        if (!incident) throw new GrpcError(grpc.status.NOT_FOUND, `no incident ${req.incidentId}`);
        anomalyIds = [...incident.anomalies.keys()].sort();
        at ??= new Date(incident.lastSeenAt);
      }
      const result = await rankWithMetrics(engine, deps.metrics, {
        at: at ?? new Date(),
        symptom: req.symptom,
        anomalyIds,
        top: req.top ?? DEFAULT_TOP,
        lookbackMs: (req.lookbackSeconds ?? DEFAULT_LOOKBACK_S) * 1000,
        widenLookback: req.widenLookback,
      });
      if (result.unknownSymptom) throw new GrpcError(grpc.status.NOT_FOUND, result.reason);
      return {
        causes: result.causes.map(rankedCauseToProto),
        at: toTimestamp(result.at),
        anomalies: result.anomalies.map(anomalyToProto),
        ...(result.metrics ? { metrics: metricsUsedToProto(result.metrics) } : {}),
        verdict: result.verdict,
        reason: result.reason,
        window: { from: toTimestamp(result.window.from), to: toTimestamp(result.window.to) },
      };
    }),

    getTimeline: unary('GetTimeline', async (call) => {
      const req = parseRequest(GetTimelineRequestSchema, call.request);
      const to = req.to ?? new Date();
      const from = req.from ?? new Date(to.getTime() - DEFAULT_TIMELINE_MS);
      if (engine.knowsResource?.(req.resource) === false)
        throw new GrpcError(grpc.status.NOT_FOUND, `unknown resource ${describeRef(req.resource)}`);
      const entries = engine.timeline({
        resource: req.resource,
        from,
        to,
        includeDependencies: req.includeDependencies,
      });
      return {
        entries: entries.map(timelineEntryToProto),
        ...(await timelineMetrics(deps, req.resource, from, to)),
      };
    }),

    getDependencyGraph: unary('GetDependencyGraph', (call) => {
      const req = parseRequest(GetDependencyGraphRequestSchema, call.request);
      if (req.namespace && engine.knowsNamespace?.(req.namespace, req.cluster) === false)
        throw new GrpcError(grpc.status.NOT_FOUND, `unknown namespace ${req.namespace}`);
      if (req.root && engine.knowsResource?.({ cluster: req.cluster, ...req.root }) === false)
        throw new GrpcError(grpc.status.NOT_FOUND, `unknown resource ${describeRef(req.root)}`);
      const view = engine.dependencyGraph({
        cluster: req.cluster,
        namespace: req.namespace,
        root: req.root,
        depth: req.root ? (req.depth ?? 2) : req.depth,
      });
      return graphToProto(view);
    }),

    listIncidents: unary('ListIncidents', (call) => {
      const req = parseRequest(ListIncidentsRequestSchema, call.request);
      const list = incidents.list({ since: req.since, includeResolved: req.includeResolved });
      return { incidents: list.map((i) => incidentToProto(i, req.topCauses ?? 3)) };
    }),

    reportAnomaly: unary('ReportAnomaly', async (call) => {
      const req = parseRequest(ReportAnomalyRequestSchema, call.request);
      const now = new Date().toISOString();
      const onset = (req.onset ?? new Date()).toISOString();
      const cluster = req.subject.cluster ?? deps.cluster;
      const subject = { ...req.subject, cluster };
      const anomaly: AnomalySignal = AnomalySignalSchema.parse({
        schemaVersion: 1,
        anomalyId: stableId('api', cluster, subject.kind, subject.namespace, subject.name, req.reason, onset),
        cluster,
        source: 'api',
        reason: req.reason,
        severity: req.severity,
        status: 'firing',
        subject,
        onset,
        observedAt: now,
        message: req.message,
        labels: req.labels && Object.keys(req.labels).length ? req.labels : undefined,
      });
      await deps.log.publish(TOPICS.anomalies.name, [
        // Keyed as the differ and alert intake key theirs: one workload's anomalies share a partition.
        toLogRecord(encodeMessage(anomaly), {
          key: anomalyKey(anomaly),
          type: CE_TYPES.anomaly,
          source: 'incident-assistant/correlator/api',
          id: anomaly.anomalyId,
          time: anomaly.observedAt,
        }),
      ]);
      log.info(
        { anomalyId: anomaly.anomalyId, reason: anomaly.reason, kind: subject.kind, name: subject.name },
        'anomaly reported over the API',
      );
      return { anomalyId: anomaly.anomalyId };
    }),

    watchChanges: (call: grpc.ServerWritableStream<unknown, unknown>) =>
      watchChanges(call, feed, deps.maxQueuedPerStream),
  };
}
