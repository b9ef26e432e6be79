import fc from 'fast-check';
import { Money } from './config';
import { computePortfolioMetrics, covarianceTimes, type PortfolioInput } from './portfolio-metrics';
import { InstrumentBook, type MarketView } from './instrument-book';
import { FixedMarket } from './test-market';

/*
 * Worked example (docs/risk-methodology.md):
 *   AAPL  1,200 × 182.31  (tick) = 218,772.00
 *   MSFT  1,000 × 397.428 (tick) = 397,428.00
 *   ACME   -300 × 50      (mark) = -15,000.00
 *   net = 601,200.00; nav = 100,000.00 + 601,200.00 = 701,200.00; gross = 631,200.00
 *   maxWeight = 397,428 / 701,200 = 0.566782658300057 (MSFT)
 *   hhi = (218,772² + 397,428² + 15,000²) / 631,200² = 206,035,203,168 / 398,413,440,000
 *       = 0.51713918879845017...
 *   one-day vol 2% each, uncorrelated: σ² = 0.0004 × 206,035,203,168 = 82,414,081.2672
 *       → 82,414,081.27; σ = √82,414,081.27 = 9,078.2201... → 9,078.22
 *   VaR99 = 2.3263478740408408 × 9,078.22 = 21,119.0978 → 21,119.10
 *   ES99  = 2.6652142203458067 × 9,078.22 = 24,195.4010 → 24,195.40
 *   volAnnualized = 9,078.22 / 701,200 × √252 = 0.2055223542...
 */
const market = new FixedMarket(
  { AAPL: 182.31, MSFT: 397.428 },
  { AAPL: 0.02, MSFT: 0.02, ACME: 0.02 },
);
const portfolio: PortfolioInput = {
  cash: 100_000,
  positions: [
    { symbol: 'AAPL', quantity: 1_200, mark: 181.9 },
    { symbol: 'MSFT', quantity: 1_000 },
    { symbol: 'ACME', quantity: -300, mark: 50 },
  ],
};

describe('computePortfolioMetrics', () => {
  it('matches the hand-computed worked example', () => {
    const r = computePortfolioMetrics(portfolio, market, null);
    expect(r.metrics).toEqual({
      nav: 701_200,
      grossExposure: 631_200,
      netExposure: 601_200,
      maxWeight: 397_428 / 701_200,
      maxWeightSymbol: 'MSFT',
      hhi: 206_035_203_168 / 398_413_440_000,
      var99: 21_119.1,
      es99: 24_195.4,
      volAnnualized: expect.closeTo(0.2055223542, 9) as number,
      drawdown: 0,
      unpriced: [],
    });
    expect(r.varianceDay).toBe(82_414_081.27);
    expect(r.sigmaDay).toBe(9_078.22);
    expect(r.peakNav).toBe(701_200);
    expect(r.positions.map((p) => [p.symbol, p.priceSource, p.value])).toEqual([
      ['AAPL', 'tick', 218_772],
      ['MSFT', 'tick', 397_428],
      ['ACME', 'mark', -15_000],
    ]);
    // Euler contributions add up to VaR (before rounding to cents).
    const sum = r.positions.reduce((a, p) => a + p.componentVar99, 0);
    expect(sum).toBeCloseTo(21_119.1, 0);
  });

  it('adds covariance terms: perfectly correlated longs add their σ', () => {
    // v = 100 × 10 = 1,000 and 200 × 10 = 2,000, σ_day 1% each, ρ = 1:
    // σ_P = 0.01 × (1,000 + 2,000) = 30.00; VaR = 2.3263478740408408 × 30 = 69.79
    const m = new FixedMarket({ X: 10, Y: 10 }, { X: 0.01, Y: 0.01 }, 1);
    const r = computePortfolioMetrics(
      {
        cash: 0,
        positions: [
          { symbol: 'X', quantity: 100 },
          { symbol: 'Y', quantity: 200 },
        ],
      },
      m,
      null,
    );
    expect(r.sigmaDay).toBe(30);
    expect(r.metrics.var99).toBe(69.79);
  });

  it('keeps money exact: cash 0.1 + 1 × 0.2 = 0.3, not 0.30000000000000004', () => {
    const m = new FixedMarket({ X: 0.2 }, { X: 0 });
    const r = computePortfolioMetrics(
      { cash: 0.1, positions: [{ symbol: 'X', quantity: 1 }] },
      m,
      null,
    );
    expect(r.metrics.nav).toBe(0.3);
    expect(r.exact.nav).toBe('0.3');
  });

  it('lists unpriced positions and leaves them out', () => {
    const r = computePortfolioMetrics(
      {
        cash: 10,
        positions: [
          { symbol: 'NOPE', quantity: 5 },
          { symbol: 'AAPL', quantity: 1 },
        ],
      },
      market,
      null,
    );
    expect(r.metrics.unpriced).toEqual(['NOPE']);
    expect(r.metrics.nav).toBe(192.31);
    expect(r.positions.map((p) => p.symbol)).toEqual(['AAPL']);
  });

  it('aggregates duplicate symbols (last mark wins) and drops zero quantities', () => {
    const m = new FixedMarket({}, {});
    const r = computePortfolioMetrics(
      {
        cash: 0,
        positions: [
          { symbol: 'X', quantity: 10, mark: 5 },
          { symbol: 'X', quantity: -4, mark: 6 },
          { symbol: 'Z', quantity: 0 },
        ],
      },
      m,
      null,
    );
    // X: (10 − 4) × 6 = 36; Z has no quantity and no price but is not "unpriced".
    expect(r.positions.map((p) => [p.symbol, p.quantity, p.value])).toEqual([['X', 6, 36]]);
    expect(r.metrics.unpriced).toEqual([]);
  });

  it('handles an empty portfolio', () => {
    const r = computePortfolioMetrics({ cash: 1_000, positions: [] }, market, null);
    expect(r.metrics).toMatchObject({
      nav: 1_000,
      grossExposure: 0,
      hhi: 0,
      maxWeight: 0,
      maxWeightSymbol: null,
      var99: 0,
      es99: 0,
      volAnnualized: 0,
    });
  });

  it('reports ratios as 0 and flags nav ≤ 0', () => {
    // nav = cash −300,000 + 1,200 × 182.31 (218,772) = −81,228
    const r = computePortfolioMetrics(
      { cash: -300_000, positions: [{ symbol: 'AAPL', quantity: 1_200 }] },
      market,
      100_000,
    );
    expect(r.navNonPositive).toBe(true);
    expect(r.metrics.nav).toBe(-81_228);
    expect(r.metrics.maxWeight).toBe(0);
    expect(r.metrics.maxWeightSymbol).toBe('AAPL');
    expect(r.metrics.volAnnualized).toBe(0);
    // drawdown = (100,000 − (−81,228)) / 100,000 = 1.81228
    expect(r.metrics.drawdown).toBeCloseTo(1.81228, 12);
    expect(r.metrics.var99).toBeGreaterThan(0);
  });

  it('tracks the running peak: drawdown = (peak − nav) / peak; 0 while the peak is ≤ 0', () => {
    // (800,000 − 701,200) / 800,000 = 98,800 / 800,000 = 0.1235
    const down = computePortfolioMetrics(portfolio, market, 800_000);
    expect(down.metrics.drawdown).toBe(0.1235);
    expect(down.peakNav).toBe(800_000);
    const up = computePortfolioMetrics(portfolio, market, 600_000);
    expect(up.peakNav).toBe(701_200);
    expect(up.metrics.drawdown).toBe(0);
    const never = computePortfolioMetrics({ cash: -5, positions: [] }, market, -1);
    expect(never.metrics.drawdown).toBe(0);
    expect(never.peakNav).toBe(-1);
  });
});

const symbols = ['A', 'B', 'C', 'D', 'E'];
const positionsArb = fc.uniqueArray(
  fc.record({
    symbol: fc.constantFrom(...symbols),
    quantity: fc.integer({ min: -10_000, max: 10_000 }).filter((q) => q !== 0),
    mark: fc.double({ min: 0.01, max: 5_000, noNaN: true }),
  }),
  { selector: (p) => p.symbol, minLength: 1, maxLength: 5 },
);
const volsArb = fc.tuple(...symbols.map(() => fc.double({ min: 0.001, max: 0.1, noNaN: true })));
const marketOf = (vols: number[], rho: number): FixedMarket =>
  new FixedMarket({}, Object.fromEntries(symbols.map((s, i) => [s, vols[i]])), rho);

describe('computePortfolioMetrics properties', () => {
  it('HHI is in [1/n, 1] for n non-zero positions', () => {
    fc.assert(
      fc.property(positionsArb, (positions) => {
        const r = computePortfolioMetrics(
          { cash: 0, positions },
          marketOf([0, 0, 0, 0, 0], 0),
          null,
        );
        expect(r.metrics.hhi).toBeGreaterThanOrEqual(1 / positions.length - 1e-12);
        expect(r.metrics.hhi).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });

  it('ES ≥ VaR ≥ 0', () => {
    fc.assert(
      fc.property(
        positionsArb,
        volsArb,
        fc.double({ min: -0.2, max: 1, noNaN: true }),
        (positions, vols, rho) => {
          const r = computePortfolioMetrics({ cash: 1e6, positions }, marketOf(vols, rho), null);
          expect(r.metrics.var99).toBeGreaterThanOrEqual(0);
          expect(r.metrics.es99).toBeGreaterThanOrEqual(r.metrics.var99);
        },
      ),
    );
  });

  it('scaling every quantity by k > 0 scales VaR by k (up to cent rounding)', () => {
    fc.assert(
      fc.property(
        positionsArb,
        volsArb,
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        (positions, vols, k) => {
          const m = marketOf(vols, 0.3);
          const base = computePortfolioMetrics({ cash: 0, positions }, m, null).metrics.var99;
          const scaled = computePortfolioMetrics(
            { cash: 0, positions: positions.map((p) => ({ ...p, quantity: p.quantity * k })) },
            m,
            null,
          ).metrics.var99;
          // σ is rounded to cents after √ of a variance rounded to cents: each rounding moves VaR by
          // at most z × (0.005 + √0.005) ≈ 0.18.
          expect(Math.abs(scaled - k * base)).toBeLessThanOrEqual(0.2 * (k + 1) + 1e-9 * scaled);
        },
      ),
    );
  });

  it('nav = cash + net exposure, exactly', () => {
    fc.assert(
      fc.property(
        positionsArb,
        fc.double({ min: -1e7, max: 1e7, noNaN: true }),
        (positions, cash) => {
          const r = computePortfolioMetrics(
            { cash, positions },
            marketOf([0, 0, 0, 0, 0], 0),
            null,
          );
          expect(new Money(r.exact.cash).plus(r.exact.net).equals(r.exact.nav)).toBe(true);
          expect(r.metrics.nav).toBe(new Money(r.exact.nav).toNumber());
        },
      ),
    );
  });

  it('drawdown is in [0, 1) when nav > 0 and peak > 0', () => {
    fc.assert(
      fc.property(positionsArb, fc.double({ min: 1, max: 1e8, noNaN: true }), (positions, peak) => {
        const r = computePortfolioMetrics(
          { cash: 1e8, positions },
          marketOf([0, 0, 0, 0, 0], 0),
          peak,
        );
        fc.pre(r.metrics.nav > 0);
        expect(r.metrics.drawdown).toBeGreaterThanOrEqual(0);
        expect(r.metrics.drawdown).toBeLessThan(1);
      }),
    );
  });
});

describe('covarianceTimes', () => {
  it('gives on a one-factor book what the full O(n²) sum gives', () => {
    const book = new InstrumentBook({ sampleIntervalMs: 1000 });
    const symbols = Array.from({ length: 40 }, (_, i) => `S${i}`);
    let t = Date.parse('2026-12-01T14:30:00.000Z');
    let seed = 7;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    const prices = symbols.map(() => 50 + rand() * 100);
    // Enough grid closes for every symbol to have a market correlation.
    for (let step = 0; step < 200; step++) {
      t += 1000;
      const market = (rand() - 0.5) * 0.004;
      symbols.forEach((s, i) => {
        prices[i] *= Math.exp(market + (rand() - 0.5) * 0.002 * (1 + (i % 3)));
        book.applyTick(s, prices[i], t + i);
      });
    }
    expect(symbols.some((s) => book.marketCorrelation(s) !== 0)).toBe(true);
    const values = symbols.map((_, i) => (i % 5 === 0 ? -1 : 1) * (1000 + 37 * i));
    const full: MarketView = {
      lastPrice: (s) => book.lastPrice(s),
      covarianceDay: (a, b) => book.covarianceDay(a, b),
      samples: (s) => book.samples(s),
      isWarm: (s) => book.isWarm(s),
    };
    const fast = covarianceTimes(symbols, values, book);
    const slow = covarianceTimes(symbols, values, full);
    fast.forEach((x, i) => expect(x).toBeCloseTo(slow[i], 9));
    // A symbol the book has never seen: the seed variance and no loading.
    const withNew = covarianceTimes([...symbols, 'NEW'], [...values, 500], book);
    const withNewSlow = covarianceTimes([...symbols, 'NEW'], [...values, 500], full);
    withNew.forEach((x, i) => expect(x).toBeCloseTo(withNewSlow[i], 9));
  });
});

describe('exact strings of the positions', () => {
  it("are Decimal's: quantity (summed over duplicate lines), price and value", () => {
    const number = fc.oneof(
      fc.double({ min: -1e22, max: 1e22, noNaN: true }),
      fc.double({ min: -1e-5, max: 1e-5, noNaN: true }),
      fc.integer({ min: -1e6, max: 1e6 }),
      fc
        .tuple(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 9 }))
        .map(([m, k]) => m / 10 ** k),
    );
    const price = fc.oneof(
      fc.double({ min: 1e-12, max: 1e25, noNaN: true }),
      fc
        .tuple(fc.integer({ min: 1, max: 1e9 }), fc.integer({ min: 0, max: 9 }))
        .map(([m, k]) => m / 10 ** k),
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ symbol: fc.constantFrom('A', 'B', 'C', 'D'), quantity: number, mark: price }),
          {
            maxLength: 8,
          },
        ),
        number,
        (positions, cash) => {
          const r = computePortfolioMetrics({ cash, positions }, new FixedMarket({}, {}), null);
          for (const p of r.positions) {
            const lines = positions.filter((l) => l.symbol === p.symbol);
            const quantity = lines
              .slice(1)
              .reduce((q, l) => q.plus(l.quantity), new Money(lines[0].quantity));
            expect(p.exact.quantity).toBe(quantity.toString());
            expect(p.exact.price).toBe(new Money(p.price).toString());
            expect(p.exact.value).toBe(quantity.times(p.price).toString());
            expect(p.quantity).toBe(quantity.toNumber());
          }
        },
      ),
      { numRuns: 1_000 },
    );
  });
});
