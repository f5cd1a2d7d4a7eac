/**
 * What a reflector remembers of each object: identity and resourceVersion, never the object itself, so memory
 * stays small (150k objects in a few tens of MiB). Keyed by namespace/name; the value packs `rv uid`.
 */
export interface IndexedObject {
  namespace: string | null;
  name: string;
  uid: string;
  resourceVersion: string;
}

export function indexKey(namespace: string | null | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

export class ObjectIndex {
  private entries = new Map<string, string>();

  get size(): number {
    return this.entries.size;
  }

  resourceVersionOf(key: string): string | undefined {
    const v = this.entries.get(key);
    return v === undefined ? undefined : v.slice(0, v.indexOf(' '));
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  set(key: string, resourceVersion: string, uid: string): void {
    this.entries.set(key, `${resourceVersion} ${uid}`);
  }

  delete(key: string): boolean {
    return this.entries.delete(key);
  }

  get(key: string): IndexedObject | undefined {
    const v = this.entries.get(key);
    if (v === undefined) return undefined;
    const slash = key.indexOf('/');
    const space = v.indexOf(' ');
    return {
      namespace: slash < 0 ? null : key.slice(0, slash),
      name: slash < 0 ? key : key.slice(slash + 1),
      resourceVersion: v.slice(0, space),
      uid: v.slice(space + 1),
    };
  }

  keys(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** Replaces the whole content (after a relist) in one step. */
  replaceWith(other: ObjectIndex): void {
    this.entries = other.entries;
  }
}
