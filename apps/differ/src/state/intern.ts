/** Distinct values kept; past that the table starts over (values stay correct, only sharing is lost). */
const MAX_INTERNED = 10_000;
let table = new Map<string, string>();

/**
 * One shared copy of a string that many state entries repeat (snapshot ids, observation times, status digests):
 * strings read from Kafka headers are fresh copies each, so 150,000 entries would hold 150,000 of each.
 */
export function intern(s: string): string {
  const known = table.get(s);
  if (known !== undefined) return known;
  if (table.size >= MAX_INTERNED) table = new Map();
  table.set(s, s);
  return s;
}
