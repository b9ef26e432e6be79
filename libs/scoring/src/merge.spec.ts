import type { LimitCheck, RuleScore } from '@risk/risk-metrics';
import {
  bandOf,
  horizonSigma,
  jumpLossProbability,
  limitFloor,
  mergeDecision,
  mergedProbability,
  mergeLogits,
} from './merge';
import { parseBands, parseMergeLogit } from './merge-metadata';

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
});
