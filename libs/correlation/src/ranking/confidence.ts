/**
 * The probability that a ranked change caused the incident, from what the ranking knows of it: its share of the
 * candidates' total score (how it compares with the alternatives), the share of the reported symptoms it
 * explains (how much of what was actually seen it accounts for; a symptom only the query names does not count),
 * and whether any symptom was reported at all (with none, no change can be credited with much):
 *
 *   confidence = sigmoid(INTERCEPT + SHARE x logit(share) + OBSERVED x observed + REPORTED x reported)
 *
 * A logistic calibration (Platt scaling) fit by maximum likelihood on generated incidents: every listed cause of
 * the real queries (labelled by the truth) and of queries made a minute before each faulty change (no listed
 * change is the cause then), with `node scripts/calibrate-confidence.mjs`; checked on seeds not used for the fit
 * (reliability table and expected calibration error in docs/ranking.md). Refit when the ranking changes.
 */
export const CONFIDENCE_MODEL = {
  // Fit on generated seeds 7, 11 and 23, default and --extended (6,478 causes); checked on seeds 31 and 59.
  intercept: -9.175,
  share: 2.3549,
  observed: 5.0142,
  reported: 7.1101,
} as const;

const EPS = 1e-6;

export function confidenceOf(share: number, observed: number, reported: boolean): number {
  const s = Math.min(1 - EPS, Math.max(EPS, share));
  const z =
    CONFIDENCE_MODEL.intercept +
    CONFIDENCE_MODEL.share * Math.log(s / (1 - s)) +
    CONFIDENCE_MODEL.observed * observed +
    CONFIDENCE_MODEL.reported * (reported ? 1 : 0);
  return Number((1 / (1 + Math.exp(-z))).toFixed(4));
}
