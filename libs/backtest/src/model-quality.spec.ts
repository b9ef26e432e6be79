import {
  brierScore,
  calibrationByBand,
  calibrationDrift,
  realizedOutcomes,
  rocAuc,
  type Outcome,
  type ScoredEvaluation,
} from './model-quality';

const MIN = 60_000;
const ev = (
  ts: number,
  score: number,
  nav: number,
  rebalance = false,
  portfolioId = 'pf',
): ScoredEvaluation => ({ portfolioId, ts: ts * MIN, score, nav, rebalance });

describe('realizedOutcomes', () => {
  it('is positive when nav falls more than 2% within 10 minutes', () => {
    const evs = [
      ev(0, 0.3, 1000), //  9:  979 < 980 → positive
      ev(9, 0.2, 979), //  11: 990 (up), 19: 950: 950 < 979 · 0.98 = 959.42 → positive
      ev(11, 0.1, 990), // 19: 950 < 990 · 0.98 = 970.2 → positive
      ev(19, 0.05, 950), // 30: 940 is 11 minutes later: outside; no other → negative
      ev(30, 0.05, 940), // horizon ends at 40 > asOf 35: not judged yet
    ];
    expect(realizedOutcomes(evs, 35 * MIN)).toEqual([
      { score: 0.3, outcome: 1 },
      { score: 0.2, outcome: 1 },
      { score: 0.1, outcome: 1 },
      { score: 0.05, outcome: 0 },
    ]);
  });

  it('a loss exactly 2% is not one; a rebalance in the horizon leaves the evaluation out', () => {
    expect(realizedOutcomes([ev(0, 0.1, 1000), ev(5, 0.1, 980)], 60 * MIN)[0].outcome).toBe(0);
    const out = realizedOutcomes([ev(0, 0.1, 1000), ev(5, 0.1, 500, true)], 60 * MIN);
    // only the rebalance's own evaluation is judged (nothing after it: negative)
    expect(out).toEqual([{ score: 0.1, outcome: 0 }]);
  });

  it('keeps portfolios apart', () => {
    const out = realizedOutcomes(
      [ev(0, 0.1, 1000, false, 'a'), ev(1, 0.1, 10, false, 'b')],
      60 * MIN,
    );
    expect(out.map((o) => o.outcome)).toEqual([0, 0]);
  });
});

describe('brierScore and rocAuc', () => {
  it('Brier: mean squared error of the probability', () => {
    // (0.1)² + (0.6)² + (0.35)² + (0.2)² = 0.01 + 0.36 + 0.1225 + 0.04 = 0.5325; / 4 = 0.133125
    const o = [
      { score: 0.1, outcome: 0 as const },
      { score: 0.4, outcome: 1 as const },
      { score: 0.35, outcome: 0 as const },
      { score: 0.8, outcome: 1 as const },
    ];
    expect(brierScore(o)).toBeCloseTo(0.133125, 12);
    expect(rocAuc(o)).toBe(1);
    expect(brierScore([])).toBeNull();
  });

  it('AUC counts ties as half', () => {
    // positives 0.2, 0.7; negatives 0.2, 0.5, 0.1. Pairs: 0.2 vs (0.2 tie ½, 0.5 no, 0.1 yes) = 1.5;
    // 0.7 vs all three = 3. AUC = 4.5 / 6 = 0.75
    const o = [
      { score: 0.2, outcome: 0 as const },
      { score: 0.2, outcome: 1 as const },
      { score: 0.5, outcome: 0 as const },
      { score: 0.7, outcome: 1 as const },
      { score: 0.1, outcome: 0 as const },
    ];
    expect(rocAuc(o)).toBeCloseTo(0.75, 12);
    expect(rocAuc([{ score: 0.5, outcome: 1 }])).toBeNull();
  });
});

describe('calibration', () => {
  const many = (n: number, score: number, positives: number): Outcome[] =>
    Array.from({ length: n }, (_, i) => ({ score, outcome: i < positives ? 1 : 0 }));

  it('by band: mean score and observed rate', () => {
    const bands = calibrationByBand([
      ...many(4, 0.01, 0),
      ...many(10, 0.3, 3),
      { score: 1, outcome: 1 } as const,
    ]);
    expect(bands.find((b) => b.band === '0-2%')).toMatchObject({
      count: 4,
      meanScore: 0.01,
      observedRate: 0,
    });
    expect(bands.find((b) => b.band === '20-40%')).toMatchObject({ count: 10, observedRate: 0.3 });
    // the last band includes 1
    expect(bands.find((b) => b.band === '40-100%')).toMatchObject({ count: 1, observedRate: 1 });
    expect(bands.find((b) => b.band === '2-5%')).toMatchObject({ count: 0, meanScore: null });
  });

  it('drifts when a band’s gap is beyond 0.05 and 3 standard errors', () => {
    // 100 at 0.1 with 20 positives: gap 0.10, z = 0.1 / √(0.1 · 0.9 / 100) = 0.1 / 0.03 = 3.33
    const drift = calibrationDrift(calibrationByBand(many(100, 0.1, 20)));
    expect(drift.worst?.band).toBe('10-20%');
    expect(drift.worst?.gap).toBeCloseTo(0.1, 12);
    expect(drift.worst?.z).toBeCloseTo(3.3333, 3);
    expect(drift.drifting).toBe(true);
    // 50 with 10 positives: same gap, z = 0.1 / √(0.09 / 50) = 2.36 < 3: noise, not drift
    expect(calibrationDrift(calibrationByBand(many(50, 0.1, 10))).drifting).toBe(false);
    // fewer than 50 outcomes in every band: nothing judged
    expect(calibrationDrift(calibrationByBand(many(49, 0.1, 49)))).toEqual({
      worst: null,
      drifting: false,
    });
  });
});
