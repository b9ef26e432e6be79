import type { LimitCheck, RuleScore } from '@risk/risk-metrics';
import {
  bandOf,
  bandsFromOutcomes,
  fitImpacts,
  fitMergeLogit,
  horizonSigma,
  jumpLossProbability,
  limitFloor,
  mergeDecision,
  mergedProbability,
  mergeLogits,
  parseBands,
  parseMergeLogit,
} from './merge';

const check = (limit: LimitCheck['limit'], breached: boolean): LimitCheck => ({
  limit,
  value: breached ? 2 : 0.5,
  threshold: 1,
  utilisation: breached ? 2 : 0.5,
  breached,
  unit: 'ratio',
  source: 'default',
});
const rules: RuleScore = {
  score: 0.42,
  level: 'MEDIUM',
  driver: 'maxWeight',
  breached: [],
  reason: 'MEDIUM (score 0.4200)',
};

describe('mergeDecision', () => {
  it('bands the trees probability', () => {
    expect([0.05, 0.2, 0.29, 0.3, 0.5, 0.9].map((p) => bandOf(p))).toEqual([
      'LOW',
      'MEDIUM',
      'MEDIUM',
      'HIGH',
      'CRITICAL',
      'CRITICAL',
    ]);
  });

  it('uses the probability as the score and the highest of band and floors as the level', () => {
    const none = mergeDecision({
      treeProbability: 0.12345,
      rules,
      checks: [check('maxWeight', false)],
    });
    expect(none).toMatchObject({ score: 0.1235, level: 'LOW' });
    const one = mergeDecision({
      treeProbability: 0.1,
      rules,
      checks: [check('maxWeight', true), check('var99', false)],
    });
    expect(one).toMatchObject({ score: 0.1, level: 'HIGH' });
    expect(one.step.text).toMatch(/limits breached \(maxWeight\) → at least HIGH/);
    const two = mergeDecision({
      treeProbability: 0.1,
      rules,
      checks: [check('maxWeight', true), check('var99', true)],
    });
    expect(two.level).toBe('CRITICAL');
    expect(limitFloor([check('solvency', true)]).level).toBe('CRITICAL');
  });

  it('floors at MEDIUM on a severe negative judgement of a material position only', () => {
    const news = { pSevereNegative: 0.6, sharePct: 3, newsId: 'n-1' };
    expect(mergeDecision({ treeProbability: 0.05, rules, checks: [], news }).level).toBe('MEDIUM');
    expect(
      mergeDecision({ treeProbability: 0.05, rules, checks: [], news: { ...news, sharePct: 1 } })
        .level,
    ).toBe('LOW');
    expect(
      mergeDecision({
        treeProbability: 0.05,
        rules,
        checks: [],
        news: { ...news, pSevereNegative: 0.4 },
      }).level,
    ).toBe('LOW');
  });

  it('falls back to the interim rules without a tree model', () => {
    expect(mergeDecision({ treeProbability: null, rules, checks: [] })).toMatchObject({
      score: 0.42,
      level: 'MEDIUM',
    });
  });

  it('bands from model metadata', () => {
    const bands = { MEDIUM: 0.131, HIGH: 0.262, CRITICAL: 0.524 };
    expect(parseBands(JSON.stringify(bands))).toEqual(bands);
    expect(parseBands(undefined)).toBeNull();
    expect(parseBands('{"MEDIUM":0.3,"HIGH":0.2,"CRITICAL":0.5}')).toBeNull();
    expect(parseBands('not json')).toBeNull();
    expect([0.13, 0.131, 0.3, 0.6].map((p) => bandOf(p, bands))).toEqual([
      'LOW',
      'MEDIUM',
      'HIGH',
      'CRITICAL',
    ]);
    const m = mergeDecision({ treeProbability: 0.27, rules, checks: [], bands });
    expect(m.level).toBe('HIGH');
    expect(m.step.data).toMatchObject({ bands, band: 'HIGH', merge: 'merge@3' });
    // Without the model's bands the fallback applies: 0.27 is MEDIUM there.
    expect(mergeDecision({ treeProbability: 0.27, rules, checks: [] }).level).toBe('MEDIUM');
  });

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

  const impacts = { severe: -0.1, negative: -0.04, positive: 0.04 };
  const j = { pSevereNegative: 0.5, pNegative: 0.2, pPositive: 0.1, sharePct: 25, ageMs: 5_000 };

  it('scales the one-day σ to the 10-minute horizon', () => {
    // 3 900 / 100 000 · √(600 / 23 400) = 0.039 / √39 = √39 / 1000.
    expect(horizonSigma(3_900, 100_000, 23_400)).toBeCloseTo(Math.sqrt(39) / 1000, 15);
    expect(horizonSigma(3_900, 0, 23_400)).toBe(0);
    expect(horizonSigma(3_900, -5, 23_400)).toBe(0);
  });

  it('gives the jump-diffusion probability of a 2% loss, by hand', () => {
    // σ = 1%, s = 25%: severe Φ((2.5% − 2%)/1%) = Φ(0.5) = 0.691462461274013,
    // negative Φ((1% − 2%)/1%) = Φ(−1) = 0.158655253931457, neutral (p = 0.2) Φ(−2) =
    // 0.022750131948179, positive Φ((−1% − 2%)/1%) = Φ(−3) = 0.001349898031630.
    // P = 0.5·0.691462… + 0.2·0.158655… + 0.2·0.022750… + 0.1·0.001349… = 0.382147297616097.
    const p = jumpLossProbability(0.01, j, impacts);
    expect(p.probability).toBeCloseTo(0.382147297616097, 12);
    expect(p.share).toBe(0.25);
    expect(p.terms.map((t) => t.impact)).toEqual([
      'severe_negative',
      'negative',
      'neutral',
      'positive',
    ]);
    expect(p.terms[0].pLoss).toBeCloseTo(0.691462461274013, 12);
    // No news, or news 30 s old or older: Φ(−2%/1%) = Φ(−2).
    expect(jumpLossProbability(0.01, null, impacts).probability).toBeCloseTo(0.022750131948179, 12);
    expect(jumpLossProbability(0.01, { ...j, ageMs: 30_000 }, impacts).probability).toBeCloseTo(
      0.022750131948179,
      12,
    );
    // σ = 0: only the severe class (a 2.5% loss) passes 2%.
    expect(jumpLossProbability(0, j, impacts).probability).toBe(0.5);
    expect(jumpLossProbability(0, null, impacts).probability).toBe(0);
  });

  it('merges the trees and the jump-diffusion probability by the logistic rule', () => {
    expect(mergeLogits(0.3, 0.9, { intercept: 0, tree: 1, jump: 0 })).toBeCloseTo(0.3, 12);
    // σ(ln(1/9) + ln(0.2/0.8)) = 1 / (1 + 9 · 4) = 1/37.
    expect(mergeLogits(0.1, 0.2, { intercept: 0, tree: 1, jump: 1 })).toBeCloseTo(1 / 37, 12);
    // mergedProbability = mergeLogits of the jump-diffusion probability.
    const c = { intercept: -0.2, tree: 0.7, jump: 0.15, impacts };
    expect(mergedProbability(0.05, j, c, 0.01)).toBeCloseTo(
      mergeLogits(0.05, 0.382147297616097, c),
      12,
    );
    const m = mergeDecision({
      treeProbability: 0.05,
      rules,
      checks: [],
      logit: c,
      judgement: j,
      sigma: 0.01,
    });
    expect(m.score).toBe(Math.round(mergeLogits(0.05, 0.382147297616097, c) * 10_000) / 10_000);
    expect(m.step.text).toContain('book σ over 10 min 1.00% of nav, news on 25.00% of nav');
    expect(m.step.text).toContain(
      'logistic(-0.2 + 0.7 · logit(trees 5.00%) + 0.15 · logit(jump-diffusion 38.21%))',
    );
    expect(m.step.text).toContain('0.500 · Φ((2.50% − 2%) / 1.00%) [severe_negative]');
    expect(m.step.data).toMatchObject({ sigma: 0.01, merge: 'merge@3' });
  });

  it('reads merge@3 coefficients and refuses earlier ones', () => {
    const c = { intercept: -0.2, tree: 0.7, jump: 0.15, impacts };
    expect(parseMergeLogit(JSON.stringify(c))).toEqual(c);
    expect(
      parseMergeLogit(
        JSON.stringify({ intercept: 0, tree: 1, severe: 1, negative: 0, positive: 0 }),
      ),
    ).toBeNull();
    expect(parseMergeLogit('not json')).toBeNull();
    expect(parseMergeLogit(undefined)).toBeNull();
  });

  it('measures the impact classes from story returns', () => {
    // severe ≤ −6%: (−12 − 8 − 6)/3; negative: (−2 − 4)/2; positive: (5 + 3)/2; 0 (no jump) ignored.
    const fit = fitImpacts([-0.12, -0.08, -0.06, -0.02, -0.04, 0, 0.05, 0.03]);
    expect(fit.severe).toBeCloseTo(-0.086667, 6);
    expect(fit.negative).toBeCloseTo(-0.03, 12);
    expect(fit.positive).toBeCloseTo(0.04, 12);
    expect(fitImpacts([])).toEqual({ severe: -0.1, negative: -0.03, positive: 0.04 });
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
