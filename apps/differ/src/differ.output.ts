import {
  CE_TYPES,
  cloudEventHeaders,
  displayRef,
  encodeMessage,
  objectKey,
  stableId,
  type AnomalySignal,
  type ChangeEvent,
  type ObjectState,
} from '#contracts';
import type { EventLog } from '#kafka';
import { componentLogger, counter } from '#observability';
import type { ResolvedDifferOptions } from './differ.options.js';
import { encodeChangeWithinLimit, OutputBuffer } from './output-buffer.js';
import { intern } from './state/intern.js';
import { STATE_HEADERS, type PartitionStore } from './state/partition-store.js';
import { stateText } from './state/state-text.js';

const log = componentLogger('differ');
const changesTotal = counter({
  name: 'ia_differ_changes_total',
  help: 'Change events produced, by first class.',
  labelNames: ['class'],
});
const anomaliesTotal = counter({
  name: 'ia_differ_anomalies_total',
  help: 'Anomaly signals produced, by reason.',
  labelNames: ['reason'],
});

const APPS_KINDS = new Set(['Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet']);

/** A new state: the ObjectState without its object, which comes as the JSON text already serialized. */
export interface NewState {
  state: Omit<ObjectState, 'object'>;
  objectText: string;
  objectDigest: string;
  /** JSON text of `state.statusDigest`, '' when none. */
  statusText: string;
}

/**
 * What the differ produces, as records in the OutputBuffer (published at flush), and the matching state-store
 * updates: a state is put in the store exactly when its changelog record is buffered.
 */
export class DifferOutput {
  private readonly buffer: OutputBuffer;

  constructor(
    eventLog: EventLog,
    private readonly options: ResolvedDifferOptions,
  ) {
    this.buffer = new OutputBuffer(eventLog, options.maxMessageBytes);
  }

  flush(): Promise<void> {
    return this.buffer.flush();
  }

  /** Drops what a failed batch produced: it will be produced again. */
  clear(): void {
    this.buffer.clear();
  }

  change(change: ChangeEvent): void {
    const value = encodeChangeWithinLimit(change, this.options.maxMessageBytes);
    this.buffer.addChange({
      key: objectKey(change.ref),
      value,
      headers: cloudEventHeaders({
        id: change.changeId,
        type: CE_TYPES.change,
        source: this.options.source,
        time: change.changedAt,
      }),
    });
    changesTotal.inc({ class: change.classes[0] });
    if (this.options.logChanges) {
      log.info(
        {
          changeId: change.changeId,
          ref: displayRef(change.ref),
          cluster: change.ref.cluster,
          operation: change.operation,
          classes: change.classes,
          risk: change.risk,
          actor: change.actor,
          whileAway: change.whileAway,
          paths: change.paths.slice(0, 20).map((p) => `${p.op} ${p.path}`),
        },
        change.summary,
      );
    }
  }

  anomaly(s: AnomalySignal): void {
    const about = s.workload ?? s.subject;
    const group = APPS_KINDS.has(about.kind) ? 'apps' : (about.group ?? '');
    this.buffer.addAnomaly({
      key: objectKey({
        cluster: s.cluster,
        group,
        kind: about.kind,
        namespace: about.namespace ?? null,
        name: about.name,
      }),
      value: encodeMessage(s),
      headers: cloudEventHeaders({
        id: s.anomalyId,
        type: CE_TYPES.anomaly,
        source: this.options.source,
        time: s.observedAt,
      }),
    });
    anomaliesTotal.inc({ reason: s.reason });
  }

  state(
    store: PartitionStore,
    key: string,
    partition: number,
    offset: number,
    next: NewState,
    extraHeaders: Record<string, string> = {},
  ): void {
    const { state } = next;
    const value = stateText(state, next.objectText);
    const headers = {
      ...cloudEventHeaders({
        id: stableId(key, state.resourceVersion),
        type: CE_TYPES.objectState,
        source: this.options.source,
        time: state.observedAt,
      }),
      [STATE_HEADERS.sourceOffset]: String(offset),
      [STATE_HEADERS.observedAt]: state.observedAt,
      ...(state.snapshotId ? { [STATE_HEADERS.snapshotId]: state.snapshotId } : {}),
      [STATE_HEADERS.objectDigest]: next.objectDigest,
      [STATE_HEADERS.statusDigest]: next.statusText,
      ...extraHeaders,
    };
    this.buffer.addState({ key, value, partition, headers });
    store.put(key, {
      value,
      sourceOffset: offset,
      snapshotId: state.snapshotId,
      observedAt: state.observedAt,
      objectDigest: next.objectDigest,
      statusDigest: intern(next.statusText),
    });
  }

  tombstone(store: PartitionStore, key: string, partition: number, offset: number, observedAt: string): void {
    this.buffer.addState({
      key,
      value: null,
      partition,
      headers: { [STATE_HEADERS.sourceOffset]: String(offset), [STATE_HEADERS.observedAt]: observedAt },
    });
    store.delete(key, observedAt);
  }
}
