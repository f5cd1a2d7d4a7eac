import { errorFunction, wilcoxonRankSum } from 'simple-statistics';

/** Which way the first sample is expected to differ from the second if something is wrong. */
export type Alternative = 'less' | 'greater';

export interface RankTestResult {
  /** One-sided p-value: how surprising the first sample's ranks are if both samples came from one distribution. */
  p: number;
  /** Mann-Whitney U of the first sample. */
  u: number;
  /** Probability that a value of the first sample exceeds one of the second (ties count half): U / (n1 n2). */
  dominance: number;
}

/** p-values are floored here: below it the normal approximation of a rank test says nothing more. */
const P_FLOOR = 1e-12;

/**
 * One-sided Mann-Whitney U test (Wilcoxon rank-sum), as canary analyses use it (Kayenta, Argo Rollouts): a test of
 * ranks, so robust to outliers and to the skew of latencies, and meaningful with few pods. The rank sum comes from
 * simple-statistics; the p-value from the normal approximation with the tie correction (success ratios of healthy
 * pods are mostly exactly 1) and a continuity correction, as scipy's `mannwhitneyu(method="asymptotic")` does.
 */
export function rankTest(
  first: readonly number[],
  second: readonly number[],
  alternative: Alternative,
): RankTestResult {
  const n1 = first.length;
  const n2 = second.length;
  if (n1 === 0 || n2 === 0) return { p: 1, u: 0, dominance: 0.5 };
  const rankSum = wilcoxonRankSum([...first], [...second]);
  const u = rankSum - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const ties = tieTerm([...first, ...second]);
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  const dominance = u / (n1 * n2);
  if (!(variance > 0)) return { p: 1, u, dominance };
  const mean = (n1 * n2) / 2;
  const sd = Math.sqrt(variance);
  const p = alternative === 'less' ? upperTail(-(u - mean + 0.5) / sd) : upperTail((u - mean - 0.5) / sd);
  return { p: Math.min(1, Math.max(P_FLOOR, p)), u, dominance };
}

/** Sum of t^3 - t over groups of tied values. */
function tieTerm(values: number[]): number {
  const sorted = values.sort((a, b) => a - b);
  let sum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i + 1;
    while (j < sorted.length && sorted[j] === sorted[i]) j++;
    const t = j - i;
    sum += t * t * t - t;
    i = j;
  }
  return sum;
}

/**
 * P(Z > z) for a standard normal Z, through the complementary error function so that small p-values keep their
 * digits (errorFunction is 1 - erfc with erfc accurate to 1.2e-7 relative: Numerical Recipes' erfcc).
 */
export function upperTail(z: number): number {
  const erfc = (x: number) => 1 - errorFunction(x);
  return z >= 0 ? erfc(z / Math.SQRT2) / 2 : 1 - erfc(-z / Math.SQRT2) / 2;
}

/**
 * An upper bound on the Bayes factor that a p-value can carry against its null hypothesis (Sellke, Bayarri and
 * Berger, 2001): 1 / (-e p ln p) for p < 1/e, else 1. p = 0.05 is worth at most 2.5 to 1, p = 0.01 at most 8 to 1:
 * p-values overstate evidence, and this bound is the honest exchange rate.
 */
export function bayesFactorBound(p: number): number {
  if (!(p > 0)) return bayesFactorBound(P_FLOOR);
  if (p >= 1 / Math.E) return 1;
  return 1 / (-Math.E * p * Math.log(p));
}
