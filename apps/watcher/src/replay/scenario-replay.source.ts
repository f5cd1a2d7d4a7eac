import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import {
  parseApiVersion,
  rawObjectEvent,
  snapshotMarker,
  type KubeObject,
  type WatchedResource,
} from '#contracts';
import type { EventLog, LogRecord } from '#kafka';
import { kindToResource, type SecretRedactor } from '#kube';
import { componentLogger } from '#observability';
import { RawEventPublisher } from '../publish/raw-event.publisher.js';

const log = componentLogger('replay-source');

/** An Alertmanager webhook payload (version 4) as recorded in a scenario file. */
export interface AlertmanagerPayload {
  version?: string;
  status?: string;
  alerts?: Array<Record<string, unknown>>;
  [k: string]: unknown;
}

/** A metric line (FORMAT.md, line type 3): per-pod golden signals of one scrape interval, ending at `ts`. */
export interface RecordedMetricLine {
  interval: string;
  samples: Array<{ name: string; labels: Record<string, string>; value: number }>;
}

export interface ReplayStats {
  lines: number;
  rawEvents: number;
  alerts: number;
  /** Metric lines handed to onMetrics. */
  metricLines: number;
  skippedAfterRankAt: number;
  /** Lines that are not JSON, have no valid ts, or whose known type is malformed. */
  malformed: number;
  /** Lines of a type this version does not know (or does not use yet), by type. */
  unknown: Record<string, number>;
}

const WATCH_TYPES = new Set(['ADDED', 'MODIFIED', 'DELETED']);

type WatchLine = { ts: string; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject };
type ScenarioLine =
  WatchLine | { ts: string; alertmanager: AlertmanagerPayload } | { ts: string; metrics: RecordedMetricLine };

/** What a parsed line is, or why it cannot be used: the replay skips such lines with a warning, never stops. */
function classify(line: Record<string, unknown>): ScenarioLine | { unknown: string } | { malformed: string } {
  const ts = line.ts as string;
  if ('alertmanager' in line) {
    const am = line.alertmanager as AlertmanagerPayload | null;
    if (!am || typeof am !== 'object' || !Array.isArray(am.alerts))
      return { malformed: 'alertmanager.alerts is not a list' };
    return { ts, alertmanager: am };
  }
  if ('metrics' in line) {
    const m = line.metrics as RecordedMetricLine | null;
    if (!m || typeof m !== 'object' || !Array.isArray(m.samples) || typeof m.interval !== 'string')
      return { malformed: 'metrics needs interval and samples' };
    return { ts, metrics: m };
  }
  if ('object' in line || 'type' in line) {
    const o = line.object as KubeObject | null;
    if (!WATCH_TYPES.has(line.type as string)) return { malformed: `watch event type ${String(line.type)}` };
    if (!o || typeof o !== 'object' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string')
      return { malformed: 'watch event without an object with kind and metadata.name' };
    return line as WatchLine;
  }
  const type = Object.keys(line).find((k) => k !== 'ts') ?? '(empty)';
  return { unknown: type };
}

function resourceOf(o: KubeObject): WatchedResource {
  const { group, version } = parseApiVersion(o.apiVersion ?? 'v1');
  const kind = o.kind ?? 'Unknown';
  return { group, version, kind, resource: kindToResource(kind), namespaced: !!o.metadata?.namespace };
}

/**
 * The watcher's second source: a recorded scenario (shared/scenarios/FORMAT.md) instead of a live API server.
 * The recording opens with an ADDED line per existing object, as after a fresh list; those become one snapshot
 * (SYNC events between snapshot markers) exactly as the live watcher's first list does, so replay exercises the
 * same differ path. Alert lines are handed to `onAlert`, as the Alertmanager webhook would.
 */
export class ScenarioReplaySource {
  private readonly publisher: RawEventPublisher;

  constructor(
    log: EventLog,
    private readonly options: {
      cluster: string;
      redactor: SecretRedactor;
      /** Lines with a later `ts` are ignored (FORMAT.md: `--rank-at`). */
      until?: Date;
      onAlert?: (payload: AlertmanagerPayload, receivedAt: string) => Promise<void>;
      /** Metric lines, as a Prometheus scrape would have stored them (they do not go through Kafka). */
      onMetrics?: (line: RecordedMetricLine, at: string) => void;
    },
  ) {
    this.publisher = new RawEventPublisher(log, `replay/${options.cluster}`);
  }

  /** Reads `file` (plain or gzip-compressed JSON lines) and publishes what it holds. */
  async run(file: string): Promise<ReplayStats> {
    const stats: ReplayStats = {
      lines: 0,
      rawEvents: 0,
      alerts: 0,
      metricLines: 0,
      skippedAfterRankAt: 0,
      malformed: 0,
      unknown: {},
    };
    const until = this.options.until?.getTime() ?? Infinity;
    let snapshotTs: string | undefined;
    let snapshotDone = false;
    let warnedUnlisted = false;
    let snapshot:
      | { ts: string; byResource: Map<string, { resource: WatchedResource; objects: KubeObject[] }> }
      | undefined;
    let pending: LogRecord[] = [];
    const flush = async () => {
      if (pending.length) await this.publisher.publish(pending);
      pending = [];
    };

    const raw = createReadStream(file);
    const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
    input.setEncoding('utf8');
    const rl = createInterface({ input, crlfDelay: Infinity });
    for await (const text of rl) {
      if (!text.trim()) continue;
      stats.lines++;
      let line: ScenarioLine;
      try {
        const parsed = JSON.parse(text) as Record<string, unknown> | null;
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
          throw new Error('not a JSON object');
        if (typeof parsed.ts !== 'string' || Number.isNaN(Date.parse(parsed.ts)))
          throw new Error('no valid ts');
        const known = classify(parsed);
        if ('malformed' in known) throw new Error(known.malformed);
        if ('unknown' in known) {
          // A line type of a newer format (or one this version does not use): counted, warned once per type.
          if (!stats.unknown[known.unknown])
            log.warn(
              { line: stats.lines, type: known.unknown },
              'skipping scenario lines of an unknown type',
            );
          stats.unknown[known.unknown] = (stats.unknown[known.unknown] ?? 0) + 1;
          continue;
        }
        line = known;
      } catch (err) {
        stats.malformed++;
        log.warn({ line: stats.lines, err: String(err) }, 'skipping malformed scenario line');
        continue;
      }
      if (Date.parse(line.ts) > until) {
        stats.skippedAfterRankAt++;
        continue;
      }
      if ('alertmanager' in line) {
        await flush();
        stats.alerts++;
        await this.options.onAlert?.(line.alertmanager, line.ts);
        continue;
      }
      if ('metrics' in line) {
        stats.metricLines++;
        this.options.onMetrics?.(line.metrics, line.ts);
        continue;
      }
      const object = this.options.redactor.redact(line.object);
      // The list is the first block of ADDED lines sharing one ts. Keyed on the first ADDED line, not the first
      // line: an alert or a stray watch event before the list must not turn the whole list into creations.
      if (snapshotTs === undefined && line.type === 'ADDED') snapshotTs = line.ts;
      else if (snapshotTs === undefined && !warnedUnlisted) {
        warnedUnlisted = true;
        log.warn(
          { file, ts: line.ts, type: line.type },
          'recording has a watch event before its opening list',
        );
      }
      if (line.type === 'ADDED' && line.ts === snapshotTs && !snapshotDone) {
        snapshot ??= { ts: line.ts, byResource: new Map() };
        const resource = resourceOf(object);
        const key = `${resource.group}/${resource.kind}`;
        const entry = snapshot.byResource.get(key) ?? { resource, objects: [] };
        entry.objects.push(object);
        snapshot.byResource.set(key, entry);
        continue;
      }
      if (snapshot) {
        await flush();
        await this.publishSnapshot(snapshot);
        stats.rawEvents += [...snapshot.byResource.values()].reduce((n, e) => n + e.objects.length, 0);
        snapshot = undefined;
      }
      if (snapshotTs !== undefined) snapshotDone = true;
      pending.push(
        this.publisher.objectRecord(
          rawObjectEvent({
            cluster: this.options.cluster,
            type: line.type,
            resource: resourceOf(object),
            object,
            observedAt: line.ts,
          }),
        ),
      );
      stats.rawEvents++;
      if (pending.length >= 500) await flush();
    }
    if (snapshot) {
      await flush();
      await this.publishSnapshot(snapshot);
      stats.rawEvents += [...snapshot.byResource.values()].reduce((n, e) => n + e.objects.length, 0);
    }
    await flush();
    return stats;
  }

  private async publishSnapshot(snapshot: {
    ts: string;
    byResource: Map<string, { resource: WatchedResource; objects: KubeObject[] }>;
  }): Promise<void> {
    const cluster = this.options.cluster;
    for (const { resource, objects } of snapshot.byResource.values()) {
      const snapshotId = `replay:${resource.group}/${resource.kind}@${snapshot.ts}`;
      const base = { cluster, resource, snapshotId, observedAt: snapshot.ts };
      const records: LogRecord[] = await this.publisher.markerRecords(
        snapshotMarker({ ...base, type: 'SNAPSHOT_START' }),
      );
      for (const object of objects) {
        records.push(this.publisher.objectRecord(rawObjectEvent({ ...base, type: 'SYNC', object })));
      }
      records.push(
        ...(await this.publisher.markerRecords(
          snapshotMarker({ ...base, type: 'SNAPSHOT_END', objectCount: objects.length }),
        )),
      );
      await this.publisher.publish(records);
    }
  }
}
