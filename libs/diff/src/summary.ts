import { HASH_PREFIX } from '#kube';
import type { FlatChange } from './object-diff.js';

const WIDTH = 60;

function text(value: unknown): string {
  if (value === undefined) return '∅';
  const t = typeof value === 'string' ? value : JSON.stringify(value);
  // One line: multi-line values (config files) show their line breaks escaped.
  return t.replace(/\r?\n/g, '⏎');
}

function clip(t: string, from = 0): string {
  const start = Math.max(0, Math.min(from, t.length - WIDTH));
  const body = t.slice(start, start + WIDTH);
  return `${start > 0 ? '…' : ''}${body}${start + WIDTH < t.length ? '…' : ''}`;
}

/** Old and new, each cut around where they first differ: long image names and config files stay readable. */
function oldToNew(old: unknown, next: unknown): string {
  const [a, b] = [text(old), text(next)];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 20);
  return `${clip(a, from)} -> ${clip(b, from)}`;
}

function describe(c: FlatChange): string {
  if (c.op === 'add') return `${c.label} added ${isHash(c.new) ? '<hash>' : clip(text(c.new))}`;
  if (c.op === 'remove') return `${c.label} removed`;
  return isHash(c.old) || isHash(c.new)
    ? `${c.label} changed (hash)`
    : `${c.label}: ${oldToNew(c.old, c.new)}`;
}

function isHash(v: unknown): boolean {
  return typeof v === 'string' && v.startsWith(HASH_PREFIX);
}

/** One line a person reads: the first few changed paths, then how many more. */
export function summarizeUpdate(subject: string, changes: readonly FlatChange[]): string {
  const shown = changes.slice(0, 3).map(describe).join('; ');
  const more = changes.length > 3 ? ` (+${changes.length - 3} more)` : '';
  return `${subject}: ${shown}${more}`;
}
