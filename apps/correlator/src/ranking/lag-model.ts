/**
 * How plausible it is that a change made `lagMs` before a symptom's onset caused it, in [0, 1].
 *
 * A breaking change shows within minutes: the rollout replaces pods (tens of seconds), requests start failing,
 * and alert rules wait out their `for:` window (typically 1-5 min) before firing. So any lag up to
 * FLAT_MS is equally plausible, and a change that preceded its symptom by much longer, with the system healthy
 * in between, becomes steadily less plausible (exponential decay with DECAY_MS). A symptom that began before the
 * change cannot be explained by it (TOLERANCE_MS absorbs the second-precision timestamps of Kubernetes).
 */
export const LAG = {
  TOLERANCE_MS: 2_000,
  FLAT_MS: 8 * 60_000,
  DECAY_MS: 5 * 60_000,
} as const;

export function lagPlausibility(lagMs: number): number {
  if (lagMs < -LAG.TOLERANCE_MS) return 0;
  if (lagMs <= LAG.FLAT_MS) return 1;
  return Math.exp(-(lagMs - LAG.FLAT_MS) / LAG.DECAY_MS);
}

/** For a symptom with no recorded onset (only named by the query): the query time is an upper bound. */
export function looseLagPlausibility(lagMs: number): number {
  const flat = 30 * 60_000;
  if (lagMs < 0) return 0;
  return lagMs <= flat ? 1 : Math.exp(-(lagMs - flat) / (30 * 60_000));
}
