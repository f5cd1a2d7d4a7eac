import { objectKey, type ChangeEvent } from '#contracts';

/** kube_controller_event.EventMessage without the API key, which the client adds. */
export interface HubEventMessage {
  namespace: string;
  resourceKey: string;
  eventType: string;
  data: Buffer;
}

/** The original agent named watch event types; keep its vocabulary so the hub's consumers need no change. */
const EVENT_TYPES: Record<ChangeEvent['operation'], string> = {
  create: 'ADDED',
  update: 'MODIFIED',
  delete: 'DELETED',
};

/**
 * A change as the legacy hub expects it: `data` is JSON of the changed paths with their old and new values,
 * `{"/spec/replicas": {"old": 3, "new": 0}}`. Values come from the change event, where the differ has already
 * replaced secret values with hashes, so the hub never receives a secret (the original agent sent them clear).
 */
export function toHubEvent(change: ChangeEvent): HubEventMessage {
  const paths: Record<string, { old?: unknown; new?: unknown }> = {};
  for (const p of change.paths) paths[p.path] = { old: p.old, new: p.new };
  return {
    namespace: change.ref.namespace ?? '',
    resourceKey: objectKey(change.ref),
    eventType: EVENT_TYPES[change.operation],
    data: Buffer.from(JSON.stringify(paths)),
  };
}
