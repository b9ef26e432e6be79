import type { LimitCheck, RuleScore } from '@risk/risk-metrics';
import {
  bandOf,
  bandsFromOutcomes,
  fitMergeLogit,
  judgementTerms,
  limitFloor,
  mergeDecision,
  mergedProbability,
  parseBands,
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
    expect(m.step.data).toMatchObject({ bands, band: 'HIGH', merge: 'merge@2' });
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

  it('merges trees and judgement by the logistic rule, and fits it back from outcomes', () => {
    const j = { pSevereNegative: 0.8, pNegative: 0.1, pPositive: 0.05, sharePct: 25, ageMs: 5_000 };
    // s = 0.25: terms 0.2, 0.025, 0.0125; stale news (≥ 120 s) or none: zeros.
    expect(judgementTerms(j)).toEqual([0.2, 0.025, 0.0125]);
    expect(judgementTerms({ ...j, ageMs: 120_000 })).toEqual([0, 0, 0]);
    expect(judgementTerms(null)).toEqual([0, 0, 0]);
    const identity = { intercept: 0, tree: 1, severe: 0, negative: 0, positive: 0 };
    expect(mergedProbability(0.3, j, identity)).toBeCloseTo(0.3, 12);
    // σ(ln(0.1/0.9) + 2 · 0.2) = 1 / (1 + 9 · e^-0.4) = 0.142140...
    expect(mergedProbability(0.1, j, { ...identity, severe: 2 })).toBeCloseTo(
      1 / (1 + 9 * Math.exp(-0.4)),
      12,
    );
    // Outcomes drawn from a known rule are fitted back.
    let seed = 7;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const truth = { intercept: -0.5, tree: 0.8, severe: 3, negative: 1, positive: -2 };
    const ps: number[] = [];
    const js: (typeof j | null)[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 40_000; i++) {
      const p = 0.01 + 0.5 * rnd();
      const jj =
        rnd() < 0.5
          ? null
          : {
              pSevereNegative: rnd(),
              pNegative: rnd(),
              pPositive: rnd(),
              sharePct: 100 * rnd(),
              ageMs: 0,
            };
      ps.push(p);
      js.push(jj);
      ys.push(rnd() < mergedProbability(p, jj, truth) ? 1 : 0);
    }
    const fit = fitMergeLogit(ps, js, ys, 0);
    expect(fit.tree).toBeCloseTo(truth.tree, 0);
    expect(fit.severe).toBeGreaterThan(2);
    expect(fit.positive).toBeLessThan(-1);
  });
});
