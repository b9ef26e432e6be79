import type { LimitCheck, RuleScore } from '@risk/risk-metrics';
import { bandOf, limitFloor, mergeDecision } from './merge';

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
    expect([0.05, 0.2, 0.29, 0.3, 0.5, 0.9].map(bandOf)).toEqual([
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
});
