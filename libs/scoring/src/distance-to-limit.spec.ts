import { InstrumentBook, checkLimits, computePortfolioMetrics } from '@risk/risk-metrics';
import fc from 'fast-check';
import { distanceSteps, distancesToLimits, largestByValue } from './distance-to-limit';

describe('distancesToLimits', () => {
  const book = new InstrumentBook();
  // cash 700, long A 200 (2 × 100), short B 100 (−1 × 100): nav = 700 + 200 − 100 = 800.
  const result = computePortfolioMetrics(
    {
      cash: 700,
      positions: [
        { symbol: 'A', quantity: 2, mark: 100 },
        { symbol: 'B', quantity: -1, mark: 100 },
      ],
    },
    book,
    1000,
  );
  const checks = checkLimits(result.metrics, { maxWeight: 0.3, maxDrawdown: 0.25, var99: 20 });
  const d = distancesToLimits(result, checks, book, 1000);
  const find = (symbol: string, limit: string) =>
    d.find((x) => x.symbol === symbol && x.limit === limit)!;

  it('solves the max-weight breach in closed form (hand computed)', () => {
    // Long A: x = (L·nav − v)/(v(1 − L)) = (240 − 200)/(200 × 0.7) = 0.285714…: 257.14 / 857.14 = 30%.
    expect(find('A', 'maxWeight').move).toBeCloseTo(40 / 140, 12);
    expect(find('A', 'maxWeight').price).toBe(128.57);
    // Short B: x = (L·nav − a)/(a(1 + L)) = (240 − 100)/(100 × 1.3) = 1.0769…: 207.69 / 692.31 = 30%.
    expect(find('B', 'maxWeight').move).toBeCloseTo(140 / 130, 12);
  });

  it('solves the drawdown breach (hand computed)', () => {
    // peak 1000, limit 25%: nav must fall to 750, by 50: A falls 50/200 = 25%; B (short) rises 50%.
    expect(find('A', 'maxDrawdown').move).toBeCloseTo(-0.25, 12);
    expect(find('B', 'maxDrawdown').move).toBeCloseTo(0.5, 12);
  });

  it('finds the VaR99 move at which VaR equals its limit', () => {
    const v = find('A', 'var99');
    expect(v.move).not.toBeNull();
    const scaled = computePortfolioMetrics(
      {
        cash: 700,
        positions: [
          { symbol: 'A', quantity: 2, mark: 100 * (1 + v.move!) },
          { symbol: 'B', quantity: -1, mark: 100 },
        ],
      },
      book,
      1000,
    );
    const limit = checkLimits(scaled.metrics, {
      maxWeight: 0.3,
      maxDrawdown: 0.25,
      var99: 20,
    }).find((c) => c.limit === 'var99')!;
    // At the move, VaR99 is at its limit of 20.00, to the cent (σ from the seed volatility).
    expect(Math.abs(scaled.metrics.var99 - limit.threshold)).toBeLessThan(0.02);
  });

  it('says it in words', () => {
    const text = distanceSteps(d).map((s) => s.text);
    expect(text[0]).toMatch(
      /^distance to limits, A: its max-weight limit after a rise of 28\.6% \(to 128\.57\)/,
    );
    expect(text[0]).toMatch(/the drawdown limit after a fall of 25\.0% \(to 75\.00\)/);
  });
});

describe('largestByValue', () => {
  it('gives what a stable sort by |value| and the first `top` give, ties in order', () => {
    const values = fc.array(
      fc.oneof(fc.integer({ min: -5, max: 5 }), fc.double({ noNaN: false })),
      { maxLength: 40 },
    );
    fc.assert(
      fc.property(values, fc.integer({ min: 0, max: 6 }), (vs, top) => {
        const positions = vs.map((value, i) => ({ value, i }));
        const sorted = [...positions]
          .sort((a, b) => Math.abs(b.value) - Math.abs(a.value))
          .slice(0, top);
        expect(largestByValue(positions, top)).toEqual(sorted);
      }),
      { numRuns: 2_000 },
    );
  });
});
