import type { LimitCheck, RuleScore } from '@risk/risk-metrics';
import { bandOf, bandsFromBaseRate, limitFloor, mergeDecision, parseBands } from './merge';

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

  it('bands at 2×, 4× and 8× the base rate, read back from model metadata', () => {
    // 0.0655 × 2 = 0.131, × 4 = 0.262, × 8 = 0.524
    const bands = bandsFromBaseRate(0.0655);
    expect(bands).toEqual({ MEDIUM: 0.131, HIGH: 0.262, CRITICAL: 0.524 });
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
});
