import { describe, expect, it } from 'vitest';
import { bayesFactorBound, rankTest, upperTail } from './rank-test.js';

describe('rankTest (one-sided Mann-Whitney U)', () => {
  it('agrees with scipy.stats.mannwhitneyu(method="asymptotic") with ties and continuity correction', () => {
    // scipy 1.x: mannwhitneyu([0.3,0.4,0.35],[1]*7+[0.99,1,1],alternative='less').pvalue = 0.0013786606312552617
    const errors = rankTest([0.3, 0.4, 0.35], [1, 1, 1, 1, 1, 1, 1, 0.99, 1, 1], 'less');
    expect(errors.p).toBeCloseTo(0.0013786606312552617, 8);
    expect(errors.dominance).toBe(0);
    // ... alternative='greater' on a warm-up spike: 0.006722527982285201
    const latency = rankTest(
      [51, 4, 3, 2, 2],
      [1, 2, 1, 2, 1, 1, 2, 1, 3, 3, 2, 2, 3, 1, 2, 2, 1, 2, 1, 2, 2, 1],
      'greater',
    );
    expect(latency.p).toBeCloseTo(0.006722527982285201, 7);
  });

  it('says nothing when every value is tied or a sample is empty', () => {
    expect(rankTest([1, 1, 1], [1, 1, 1, 1], 'less').p).toBe(1);
    expect(rankTest([], [1, 2], 'less').p).toBe(1);
  });

  it('keeps the digits of small p-values', () => {
    expect(upperTail(6)).toBeCloseTo(9.865876450376946e-10, 15);
    expect(upperTail(-6)).toBeCloseTo(1 - 9.865876450376946e-10, 12);
  });
});

describe('bayesFactorBound', () => {
  it('is 1 for p >= 1/e and 1/(-e p ln p) below', () => {
    expect(bayesFactorBound(0.5)).toBe(1);
    expect(bayesFactorBound(0.05)).toBeCloseTo(2.456, 3);
    expect(bayesFactorBound(0.01)).toBeCloseTo(7.988, 3);
  });
});
