/**
 * How plausible it is that a change made `lagMs` before a symptom's onset caused it, in [0, 1].
 *
 * A breaking change usually shows within minutes: the rollout replaces pods (tens of seconds), requests start
 * failing, and alert rules wait out their `for:` window (typically 1-5 min) before firing. So any lag up to
 * FLAT_MS is equally plausible. Some faults are slow, though: a memory limit that is hit only under the evening
 * load, a credential checked on reconnect, a cache or pool that drains. So past the plateau the plausibility
 * decays gently (SLOW_DECAY_MS): a change followed by a long healthy stretch becomes a weaker explanation, not an
 * impossible one. A symptom that began before the change cannot be explained by it (TOLERANCE_MS absorbs the
 * second-precision timestamps of Kubernetes).
 *
 * `promptLagPlausibility` is the stricter reading used when an earlier change claims the first break (see
 * cause-ranker.ts): it decays with PROMPT_DECAY_MS. Claiming that the system was already breaking when a later
 * change came needs the earlier change to have shown within the usual window; a slow fault that surfaced only
 * long after was, at the time of the later change, still invisible (nobody reacted to it).
 */
export const LAG = {
  TOLERANCE_MS: 2_000,
  FLAT_MS: 8 * 60_000,
  SLOW_DECAY_MS: 12 * 60_000,
  PROMPT_DECAY_MS: 5 * 60_000,
} as const;

function plateauThenDecay(lagMs: number, decayMs: number): number {
  if (lagMs < -LAG.TOLERANCE_MS) return 0;
  if (lagMs <= LAG.FLAT_MS) return 1;
  return Math.exp(-(lagMs - LAG.FLAT_MS) / decayMs);
}

export function lagPlausibility(lagMs: number): number {
  return plateauThenDecay(lagMs, LAG.SLOW_DECAY_MS);
}

export function promptLagPlausibility(lagMs: number): number {
  return plateauThenDecay(lagMs, LAG.PROMPT_DECAY_MS);
}

/** For a symptom with no recorded onset (only named by the query): the query time is an upper bound. */
export function looseLagPlausibility(lagMs: number): number {
  const flat = 30 * 60_000;
  if (lagMs < 0) return 0;
  return lagMs <= flat ? 1 : Math.exp(-(lagMs - flat) / (30 * 60_000));
}
