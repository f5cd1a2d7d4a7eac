import { hash } from 'node:crypto';
import type { ObjectState } from '#contracts';

/**
 * Digest of a normalized object's JSON text. Equal digests mean equal objects: an update that changes nothing
 * is recognised without parsing the stored state. sha1 is not for security here, it is fast and 160 bits make
 * a collision (a missed change) practically impossible.
 */
export function objectDigest(objectText: string): string {
  return hash('sha1', objectText, 'base64');
}

/**
 * The changelog value of an ObjectState whose object is already JSON text: the object (nearly all of the state)
 * is serialized once, for the digest, and reused here instead of being serialized again with the rest.
 */
export function stateText(state: Omit<ObjectState, 'object'>, objectText: string): string {
  const rest = JSON.stringify(state);
  return `${rest.slice(0, -1)},"object":${objectText}}`;
}
