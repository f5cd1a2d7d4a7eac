import type { ObservedItem } from '../buffer/watch-item.js';

/** Where a reflector puts what it saw; `push` false means "full: stop reading until whenWritable()". */
export interface ReflectorSink<T = ObservedItem> {
  readonly full: boolean;
  push(item: T): boolean;
  whenWritable(): Promise<void>;
}
