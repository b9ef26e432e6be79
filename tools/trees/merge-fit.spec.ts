import { mergeLogits } from '@risk/scoring/merge';
import {
  bandsFromOutcomes,
  fitImpacts,
  fitImpactsFromJudgements,
  fitMergeLogit,
} from './merge-fit';

describe('merge fitting', () => {
  it('calibrates bands on outcomes: the lowest score above which the bad rate reaches 2×, 4×, 8× base', () => {
    // Scores 0.9 … 0.1 (two rows each), base rate 0.1. Cumulative from the top:
    // ≥0.9: 2/2 = 1.0; ≥0.8: 3/4 = 0.75; ≥0.7: 3/6 = 0.5; ≥0.6: 3/8 = 0.375; ≥0.5: 4/10 = 0.4;
    // ≥0.4: 4/12 = 0.333; ≥0.3: 4/14 = 0.286; ≥0.2: 4/16 = 0.25; ≥0.1: 4/18 = 0.222.
    const scores = [
      0.9, 0.9, 0.8, 0.8, 0.7, 0.7, 0.6, 0.6, 0.5, 0.5, 0.4, 0.4, 0.3, 0.3, 0.2, 0.2, 0.1, 0.1,
    ];
    const labels = [1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    // 2× = 0.2: lowest threshold with rate ≥ 0.2 is 0.1 (0.222); 4× = 0.4: 0.5 (0.4);
    // 8× = 0.8: 0.9 (1.0; 0.8 has 0.75).
    expect(bandsFromOutcomes(scores, labels, 0.1, 1)).toEqual({
      MEDIUM: 0.1,
      HIGH: 0.5,
      CRITICAL: 0.9,
    });
    // At least 3 rows: 0.9 alone (2 rows) cannot start CRITICAL, and no lower score reaches 0.8.
    expect(bandsFromOutcomes(scores, labels, 0.1, 3)).toEqual({
      MEDIUM: 0.1,
      HIGH: 0.5,
      CRITICAL: 1,
    });
  });

  it('measures the impact classes from story returns', () => {
    // severe ≤ −6%: (−12 − 8 − 6)/3; negative: (−2 − 4)/2; positive: (5 + 3)/2; 0 (no jump) ignored.
    const fit = fitImpacts([-0.12, -0.08, -0.06, -0.02, -0.04, 0, 0.05, 0.03]);
    expect(fit.severe).toBeCloseTo(-0.086667, 6);
    expect(fit.negative).toBeCloseTo(-0.03, 12);
    expect(fit.positive).toBeCloseTo(0.04, 12);
    expect(fitImpacts([])).toEqual({ severe: -0.1, negative: -0.03, positive: 0.04 });
  });

  it('measures the impact classes as the judge reads them: returns weighted by its probabilities', () => {
    // [severe, negative, neutral, positive] per story.
    const returns = [-0.1, -0.02, 0.05, 0];
    const probs = [
      [0.5, 0.5, 0, 0],
      [0, 1, 0, 0],
      [0, 0.2, 0, 0.8],
      [0, 0, 1, 0],
    ];
    const fit = fitImpactsFromJudgements(returns, probs);
    // severe: only story 1 (weight 0.5) → −10%; negative: (0.5·−10 + 1·−2 + 0.2·5)/1.7;
    // positive: story 3 alone → +5%; the neutral story weighs nothing.
    expect(fit.severe).toBeCloseTo(-0.1, 12);
    expect(fit.negative).toBeCloseTo((0.5 * -0.1 - 0.02 + 0.2 * 0.05) / 1.7, 6);
    expect(fit.positive).toBeCloseTo(0.05, 12);
    // A class the judge never gives (here severe) keeps the round figure.
    expect(fitImpactsFromJudgements([-0.2], [[0, 1, 0, 0]]).severe).toBe(-0.1);
  });

  it('fits the merge back from outcomes drawn from a known rule', () => {
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const truth = { intercept: -0.5, tree: 0.8, jump: 0.3 };
    const ps: number[] = [];
    const qs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 40_000; i++) {
      const p = 0.01 + 0.5 * rnd();
      const q = rnd() < 0.5 ? 1e-6 : rnd();
      ps.push(p);
      qs.push(q);
      ys.push(rnd() < mergeLogits(p, q, truth) ? 1 : 0);
    }
    const fit = fitMergeLogit(ps, qs, ys, 0);
    expect(fit.tree).toBeCloseTo(truth.tree, 1);
    expect(fit.jump).toBeCloseTo(truth.jump, 1);
    expect(fit.intercept).toBeCloseTo(truth.intercept, 0);
  });
});
