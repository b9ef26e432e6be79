import fc from 'fast-check';
import type { LimitCheck, LimitName } from './limits';
import { levelForScore, levelRank, ruleScore, shouldAlert, utilisationScore } from './rule-score';

const check = (limit: LimitName, utilisation: number, breached = utilisation > 1): LimitCheck => ({
  limit,
  value: utilisation,
  threshold: 1,
  utilisation,
  breached,
  unit: 'ratio',
  source: 'default',
});

describe('rule score', () => {
  it('maps utilisation to score: 0.6·u to the limit, then 0.6 + 0.5·(u − 1), capped at 1', () => {
    expect(utilisationScore(0)).toBe(0);
    expect(utilisationScore(0.5)).toBe(0.3); // 0.6 × 0.5: MEDIUM starts at half a limit
    expect(utilisationScore(1)).toBe(0.6); // at the limit: HIGH
    expect(utilisationScore(1.5)).toBe(0.85); // 0.6 + 0.5 × 0.5: CRITICAL at 1.5× the limit
    expect(utilisationScore(3)).toBe(1);
    expect(utilisationScore(-1)).toBe(0);
  });

  it('reads levels from the thresholds', () => {
    expect([0, 0.2999, 0.3, 0.5999, 0.6, 0.8499, 0.85, 1].map(levelForScore)).toEqual([
      'LOW',
      'LOW',
      'MEDIUM',
      'MEDIUM',
      'HIGH',
      'HIGH',
      'CRITICAL',
      'CRITICAL',
    ]);
    expect(levelRank('LOW')).toBe(0);
    expect(levelRank('CRITICAL')).toBe(3);
  });

  it('scores from the largest utilisation', () => {
    // max utilisation 0.7 → 0.6 × 0.7 = 0.42 → MEDIUM
    const r = ruleScore([check('maxWeight', 0.7), check('var99', 0.2)]);
    expect(r).toMatchObject({ score: 0.42, level: 'MEDIUM', driver: 'maxWeight', breached: [] });
    expect(r.reason).toBe(
      'MEDIUM (score 0.4200): highest utilisation maxWeight 70.00%; no limit breached',
    );
  });

  it('a breach floors at HIGH, two breaches or 1.5× a limit at CRITICAL', () => {
    expect(ruleScore([check('var99', 0.1, true)])).toMatchObject({ score: 0.6, level: 'HIGH' });
    // 1.2 → 0.6 + 0.5 × 0.2 = 0.70
    expect(ruleScore([check('maxWeight', 1.2)])).toMatchObject({ score: 0.7, level: 'HIGH' });
    expect(ruleScore([check('maxWeight', 1.1), check('var99', 1.05)])).toMatchObject({
      score: 0.85,
      level: 'CRITICAL',
    });
    expect(ruleScore([check('maxWeight', 1.5)]).level).toBe('CRITICAL');
    expect(ruleScore([])).toMatchObject({ score: 0, level: 'LOW', driver: null });
  });

  it('is monotone: raising any utilisation never lowers the score', () => {
    const names: LimitName[] = ['maxWeight', 'var99', 'maxDrawdown', 'maxGrossLeverage'];
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 3, noNaN: true }), { minLength: 4, maxLength: 4 }),
        fc.nat(3),
        fc.double({ min: 0, max: 2, noNaN: true }),
        (us, i, bump) => {
          const before = ruleScore(us.map((u, j) => check(names[j], u)));
          const after = ruleScore(us.map((u, j) => check(names[j], j === i ? u + bump : u)));
          expect(after.score).toBeGreaterThanOrEqual(before.score);
          expect(after.score).toBeGreaterThanOrEqual(0);
          expect(after.score).toBeLessThanOrEqual(1);
          expect(levelRank(after.level)).toBeGreaterThanOrEqual(levelRank(before.level));
        },
      ),
    );
  });
});

describe('shouldAlert', () => {
  it('raises on a level rise', () => {
    expect(shouldAlert('MEDIUM', 'HIGH', [])).toEqual({
      raise: true,
      reason: 'level rose from MEDIUM to HIGH',
    });
  });

  it('raises on a first evaluation above LOW, not at LOW', () => {
    expect(shouldAlert(null, 'HIGH', []).raise).toBe(true);
    expect(shouldAlert(null, 'LOW', []).raise).toBe(false);
  });

  it('raises on a newly breached limit even at the same level', () => {
    expect(shouldAlert('HIGH', 'HIGH', ['var99'])).toEqual({
      raise: true,
      reason: 'limit newly breached: var99',
    });
  });

  it('raises nothing for the same or a lower level without new breaches', () => {
    expect(shouldAlert('HIGH', 'HIGH', []).raise).toBe(false);
    expect(shouldAlert('CRITICAL', 'MEDIUM', []).raise).toBe(false);
  });
});
