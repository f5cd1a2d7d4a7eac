/** RFC 6901 JSON pointers, plus a `*` segment that matches every array item or object member (ignore rules). */

export function escapePointerSegment(segment: string): string {
  // Most segments need no escaping: no regular expression runs for them.
  if (!segment.includes('~') && !segment.includes('/')) return segment;
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

export function unescapePointerSegment(segment: string): string {
  return segment.replace(/~1/g, '/').replace(/~0/g, '~');
}

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`JSON pointer must start with '/': ${pointer}`);
  return pointer.slice(1).split('/').map(unescapePointerSegment);
}

export function toPointer(segments: readonly (string | number)[]): string {
  let pointer = '';
  for (const s of segments) pointer += '/' + (typeof s === 'number' ? String(s) : escapePointerSegment(s));
  return pointer;
}

/** Removes what the pointer designates, in place. Missing paths are not an error: rules are written for every object. */
export function removeAtPointer(target: unknown, segments: readonly string[]): void {
  if (segments.length === 0 || target === null || typeof target !== 'object') return;
  const [head, ...rest] = segments;
  const container = target as Record<string, unknown>;
  const keys = head === '*' ? Object.keys(container) : [head];
  for (const key of keys) {
    if (!(key in container)) continue;
    if (rest.length === 0) {
      if (Array.isArray(container)) container.splice(Number(key), 1);
      else delete container[key];
    } else {
      removeAtPointer(container[key], rest);
    }
  }
}
