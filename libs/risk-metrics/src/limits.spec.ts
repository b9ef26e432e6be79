import { checkLimits, newlyBreached, type LimitCheck } from './limits';
import type { RiskMetrics } from './portfolio-metrics';

const metrics: RiskMetrics = {
  nav: 701_200,
  grossExposure: 631_200,
  netExposure: 601_200,
  maxWeight: 397_428 / 701_200,
  maxWeightSymbol: 'MSFT',
  hhi: 0.517,
  var99: 21_119.1,
  es99: 24_195.4,
  volAnnualized: 0.2055,
  drawdown: 0.1235,
  unpriced: [],
};

const byName = (checks: LimitCheck[]): Record<string, LimitCheck> =>
  Object.fromEntries(checks.map((c) => [c.limit, c]));

describe('checkLimits', () => {
  it('applies the documented defaults', () => {
    const c = byName(checkLimits(metrics));
    expect(Object.keys(c)).toEqual([
      'solvency',
      'maxWeight',
      'var99',
      'maxDrawdown',
      'maxGrossLeverage',
    ]);
    // maxWeight 0.56678 / 0.25 = 2.26713
    expect(c.maxWeight).toMatchObject({ threshold: 0.25, breached: true, source: 'default' });
    expect(c.maxWeight.utilisation).toBeCloseTo(2.267130633, 8);
    // var99 default = 5% × 701,200 = 35,060.00; 21,119.10 / 35,060 = 0.602370
    expect(c.var99).toMatchObject({ threshold: 35_060, breached: false, unit: 'money' });
    expect(c.var99.utilisation).toBeCloseTo(0.60237022, 7);
    // drawdown 0.1235 / 0.10 = 1.235
    expect(c.maxDrawdown).toMatchObject({ threshold: 0.1, breached: true });
    // leverage 631,200 / 701,200 = 0.900171; / 2 = 0.450086
    expect(c.maxGrossLeverage.value).toBeCloseTo(0.9001711351, 9);
    expect(c.maxGrossLeverage.utilisation).toBeCloseTo(0.4500855676, 9);
    expect(c.solvency).toMatchObject({ breached: false, utilisation: 0 });
  });

  it('uses the portfolio limits when given, and es99 only then', () => {
    const c = byName(checkLimits(metrics, { maxWeight: 0.6, var99: 20_000, es99: 30_000 }));
    expect(c.maxWeight).toMatchObject({ threshold: 0.6, breached: false, source: 'portfolio' });
    expect(c.var99).toMatchObject({ threshold: 20_000, breached: true });
    expect(c.es99).toMatchObject({ threshold: 30_000, breached: false });
  });

  it('a value equal to its limit is not a breach', () => {
    const c = byName(checkLimits({ ...metrics, drawdown: 0.1 }));
    expect(c.maxDrawdown).toMatchObject({ utilisation: 1, breached: false });
  });

  it('with nav ≤ 0 only solvency, a given var99 and drawdown are checked', () => {
    const c = byName(checkLimits({ ...metrics, nav: -5, maxWeight: 0 }, { var99: 1_000 }));
    expect(Object.keys(c)).toEqual(['solvency', 'var99', 'maxDrawdown']);
    expect(c.solvency).toMatchObject({ breached: true, utilisation: 2 });
  });

  it('keeps utilisation finite for a zero limit', () => {
    const c = byName(checkLimits(metrics, { var99: 0 }));
    expect(c.var99).toMatchObject({ utilisation: 100, breached: true });
  });

  it('lists the limits newly breached', () => {
    const checks = checkLimits(metrics);
    expect(newlyBreached(null, checks)).toEqual(['maxWeight', 'maxDrawdown']);
    expect(newlyBreached(['maxWeight'], checks)).toEqual(['maxDrawdown']);
    expect(newlyBreached(['maxWeight', 'maxDrawdown'], checks)).toEqual([]);
  });
});
