/**
 * Plural resource name of a kind, for sources that have no discovery (the replay file). The live watcher
 * takes names from API discovery instead; this mirrors the API server's default pluralization.
 */
export function kindToResource(kind: string): string {
  const k = kind.toLowerCase();
  if (k === 'endpoints') return k;
  if (/(s|x|z|ch|sh)$/.test(k)) return `${k}es`;
  if (/[^aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  return `${k}s`;
}
