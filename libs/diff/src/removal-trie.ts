/** A pointer (from the root, or what remains of it below a member), with its place in the ignore rules. */
export interface PointerSuffix {
  order: number;
  path: readonly string[];
}

/**
 * Ignore-rule pointers as a tree of members, so that normalization skips ignored members while copying instead of
 * copying them (managedFields and status are much of an object) and deleting them afterwards (which also leaves
 * the copies in V8's slow dictionary mode, for every later serialization and diff to pay).
 */
export class RemovalTrie {
  /** Some pointer ends here: the member itself is removed. */
  readonly terminal: boolean;
  private readonly wildcard: boolean;
  private readonly explicit = new Map<string, RemovalTrie>();

  /** `suffixes` in rule order: a fallback that applies them one by one must apply them in that order. */
  constructor(readonly suffixes: readonly PointerSuffix[]) {
    this.terminal = suffixes.some((s) => s.path.length === 0);
    this.wildcard = suffixes.some((s) => s.path[0] === '*');
    if (!this.wildcard) {
      for (const s of suffixes) {
        const head = s.path[0];
        if (head !== undefined && !this.explicit.has(head)) this.explicit.set(head, this.below(head));
      }
    }
  }

  static of(pointers: readonly (readonly string[])[]): RemovalTrie | null {
    return pointers.length ? new RemovalTrie(pointers.map((path, order) => ({ order, path }))) : null;
  }

  /** What is removed below member `key` (`*` segments match every key); null when nothing. */
  child(key: string): RemovalTrie | null {
    // Wildcard nodes are not cached: they match every key, of which there is no bound (label names...).
    return this.wildcard ? this.below(key) : (this.explicit.get(key) ?? null);
  }

  private below(key: string): RemovalTrie {
    const sub: PointerSuffix[] = [];
    for (const s of this.suffixes) {
      if (s.path.length > 0 && (s.path[0] === key || s.path[0] === '*')) {
        sub.push({ order: s.order, path: s.path.slice(1) });
      }
    }
    return new RemovalTrie(sub);
  }
}
