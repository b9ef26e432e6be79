import fc from 'fast-check';
import { InstrumentBook, type InstrumentBookSnapshot } from './instrument-book';
import { DEFAULT_RISK_MODEL_CONFIG, resolveRiskModelConfig } from './config';
import { computePortfolioMetrics } from './portfolio-metrics';

const MIN = 60_000;
// Seed per-interval variance with the defaults: 0.30² / (252 days × 23,400 s / 60 s)
// = 0.09 / 98,280 = 9.157509157509157e-7.
const SEED = 0.09 / 98_280;

describe('InstrumentBook', () => {
  it('applies a first tick without a z-score and closes no bucket', () => {
    const book = new InstrumentBook();
    expect(book.applyTick('AAPL', 182.31, 1_000)).toEqual({
      applied: true,
      stale: false,
      invalid: false,
      zScore: null,
      largeMove: false,
      bucketsClosed: 0,
    });
    expect(book.lastPrice('AAPL')).toBe(182.31);
    expect(book.lastTs('AAPL')).toBe(1_000);
  });

  it('counts older and equal-ts ticks as stale without applying them', () => {
    const book = new InstrumentBook();
    book.applyTick('AAPL', 100, 5_000);
    expect(book.applyTick('AAPL', 120, 4_000)).toMatchObject({ applied: false, stale: true });
    expect(book.applyTick('AAPL', 120, 5_000)).toMatchObject({ applied: false, stale: true });
    expect(book.lastPrice('AAPL')).toBe(100);
    expect(book.staleCount('AAPL')).toBe(2);
    expect(book.staleCount()).toBe(2);
  });

  it('ignores non-finite or non-positive prices', () => {
    const book = new InstrumentBook();
    expect(book.applyTick('AAPL', 0, 1)).toMatchObject({ applied: false, invalid: true });
    expect(book.applyTick('AAPL', Number.NaN, 1)).toMatchObject({ applied: false, invalid: true });
    expect(book.lastPrice('AAPL')).toBeUndefined();
  });

  it('seeds variance from the default annual vol and scales it to one day and a year', () => {
    const book = new InstrumentBook();
    book.applyTick('AAPL', 100, 0);
    expect(book.intervalVariance('AAPL')).toBeCloseTo(SEED, 20);
    // One day = 23,400 s / 60 s = 390 intervals: 390 × 0.09 / 98,280 = 0.09 / 252.
    expect(book.covarianceDay('AAPL', 'AAPL')).toBeCloseTo(0.09 / 252, 15);
    expect(book.volatilityAnnualized('AAPL')).toBeCloseTo(0.3, 12);
    expect(book.covarianceDay('AAPL', 'MSFT')).toBe(0);
  });

  it('clips a return to ±4σ of its symbol before it enters the EWMA (hand computed)', () => {
    const book = new InstrumentBook();
    book.applyTick('A', 100, 0);
    book.applyTick('A', 100, MIN); // bucket 0 closes: A joins with the seed variance
    book.applyTick('A', 110, MIN + 1); // a 10% jump, ~99σ of the seed
    book.applyTick('A', 110, 2 * MIN); // bucket 1 closes with r = ln(1.1), clipped to 4·√SEED
    // 0.94·SEED + 0.06·(4√SEED)² = (0.94 + 0.96)·SEED = 1.9·SEED
    expect(book.intervalVariance('A')).toBeCloseTo(1.9 * SEED, 18);
    const unclipped = new InstrumentBook({ returnClipSigma: 0 });
    for (const [p, t] of [
      [100, 0],
      [100, MIN],
      [110, MIN + 1],
      [110, 2 * MIN],
    ])
      unclipped.applyTick('A', p, t);
    expect(unclipped.intervalVariance('A')).toBeCloseTo(
      0.94 * SEED + 0.06 * Math.log(1.1) ** 2,
      18,
    );
  });

  it('updates the EWMA covariance on bucket closes (hand computed, no clipping)', () => {
    const book = new InstrumentBook({ returnClipSigma: 0 });
    book.applyTick('A', 100, 0);
    book.applyTick('B', 50, 1_000);
    // Bucket 0 closes: nothing in the matrix yet; A and B join with the seed, close prices 100, 50.
    expect(book.applyTick('A', 101, MIN).bucketsClosed).toBe(1);
    expect(book.samples('A')).toBe(0);
    // Bucket 1 closes before A = 102 applies: r_A = ln(101/100), r_B = 0.
    book.applyTick('A', 102, 2 * MIN);
    const rA1 = Math.log(1.01);
    expect(book.intervalVariance('A')).toBeCloseTo(0.94 * SEED + 0.06 * rA1 * rA1, 18);
    expect(book.intervalVariance('B')).toBeCloseTo(0.94 * SEED, 18);
    expect(book.covarianceDay('A', 'B')).toBe(0);
    expect(book.samples('A')).toBe(1);
    book.applyTick('B', 51, 2 * MIN + 30_000);
    // Bucket 2 closes: r_A = ln(102/101), r_B = ln(51/50); Σ_AB = 0.94·0 + 0.06·r_A·r_B.
    book.applyTick('C', 10, 3 * MIN);
    const rA2 = Math.log(102 / 101);
    const rB2 = Math.log(51 / 50);
    expect(book.covarianceDay('A', 'B')).toBeCloseTo(0.06 * rA2 * rB2 * 390, 15);
    expect(book.covarianceDay('B', 'A')).toBe(book.covarianceDay('A', 'B'));
    expect(book.intervalVariance('B')).toBeCloseTo(0.94 * 0.94 * SEED + 0.06 * rB2 * rB2, 18);
    expect(book.samples('C')).toBe(0);
  });

  it('decays by λ^k for k empty buckets at once, capped', () => {
    const book = new InstrumentBook({ maxEmptyBucketsDecayed: 3 });
    book.applyTick('A', 100, 0);
    book.applyTick('A', 100, MIN); // A joins with the seed
    // Bucket 1 closes with r = 0, then buckets 2..9 (8) were empty: decay capped at 3.
    expect(book.applyTick('A', 100, 10 * MIN).bucketsClosed).toBe(9);
    expect(book.intervalVariance('A')).toBeCloseTo(SEED * 0.94 ** 4, 20);
    expect(book.samples('A')).toBe(4);
  });

  it('computes the large-move z-score from the EWMA σ over max(elapsed, Δ)', () => {
    const book = new InstrumentBook();
    book.applyTick('A', 100, 0);
    // Elapsed 30 s < Δ: z = ln(1.03) / √(9.1575e-7) = 0.0295588 / 0.00095695 = 30.8886.
    const fast = book.applyTick('A', 103, 30_000);
    expect(fast.zScore).toBeCloseTo(30.8886, 3);
    expect(fast.largeMove).toBe(true);
    // Elapsed 4Δ: the same move over 4 intervals is √4 = 2 times smaller in σ units.
    const other = new InstrumentBook();
    other.applyTick('A', 100, 0);
    expect(other.applyTick('A', 103, 4 * MIN).zScore).toBeCloseTo(30.8886 / 2, 3);
    const small = new InstrumentBook();
    small.applyTick('A', 100, 0);
    const quiet = small.applyTick('A', 100.05, 1_000);
    expect(quiet.largeMove).toBe(false);
    expect(Math.abs(quiet.zScore ?? 0)).toBeLessThan(3);
  });

  it('counts warm-up samples and reports warm after warmupBuckets closes', () => {
    expect(DEFAULT_RISK_MODEL_CONFIG.warmupBuckets).toBe(23); // ln 0.25 / ln 0.94 = 22.4
    const book = new InstrumentBook({ warmupBuckets: 3 });
    book.applyTick('A', 100, 0);
    for (let b = 1; b <= 3; b++) book.applyTick('A', 100 + b, b * MIN);
    expect(book.samples('A')).toBe(2);
    expect(book.isWarm('A')).toBe(false);
    book.applyTick('A', 105, 4 * MIN);
    expect(book.isWarm('A')).toBe(true);
  });

  it('rejects bad configuration', () => {
    expect(() => resolveRiskModelConfig({ lambda: 1 })).toThrow(RangeError);
    expect(() => resolveRiskModelConfig({ sampleIntervalMs: 0 })).toThrow(RangeError);
    expect(resolveRiskModelConfig({ lambda: 0.97 }).warmupBuckets).toBe(46);
  });

  it('restores a snapshot that resumes exactly, and rejects a malformed one', () => {
    const book = new InstrumentBook();
    feed(book, ticks(0, 400));
    const restored = InstrumentBook.fromSnapshot(JSON.stringify(book.toSnapshot()));
    expect(restored.toSnapshot()).toEqual(book.toSnapshot());
    const rest = ticks(400, 800);
    expect(feed(restored, rest)).toEqual(feed(book, rest));
    expect(restored.toSnapshot()).toEqual(book.toSnapshot());
    expect(
      InstrumentBook.fromSnapshot(book.toSnapshot(), { largeMoveZ: 4 }).config.largeMoveZ,
    ).toBe(4);
    const bad: InstrumentBookSnapshot = { ...book.toSnapshot(), covariance: 'AAAA' };
    expect(() => InstrumentBook.fromSnapshot(bad)).toThrow(RangeError);
    expect(() => InstrumentBook.fromSnapshot('{"version":2}')).toThrow(RangeError);
  });
});

type Tick = [symbol: string, price: number, ts: number];

/** Deterministic pseudo-random walk over three symbols. */
function ticks(from: number, to: number): Tick[] {
  const out: Tick[] = [];
  for (let i = from; i < to; i++) {
    const symbol = ['A', 'B', 'C'][i % 3];
    out.push([symbol, 100 * Math.exp(0.01 * Math.sin(i * 1.7 + symbol.charCodeAt(0))), i * 7_919]);
  }
  return out;
}

function feed(book: InstrumentBook, list: readonly Tick[]): unknown[] {
  return list.map(([s, p, t]) => book.applyTick(s, p, t));
}

const tickArb = fc.tuple(
  fc.constantFrom('A', 'B', 'C', 'D'),
  fc.double({ min: 1, max: 1_000, noNaN: true }),
  fc.integer({ min: 0, max: 3_600_000 }),
);

function withoutStaleCounts(s: InstrumentBookSnapshot): unknown {
  return { ...s, staleTotal: 0, instruments: s.instruments.map((i) => ({ ...i, stale: 0 })) };
}

describe('InstrumentBook properties', () => {
  it('stale ticks never change prices, clock or covariance', () => {
    fc.assert(
      fc.property(
        fc.array(tickArb, { maxLength: 60 }),
        tickArb,
        fc.nat(5_000),
        (list, [s, p], back) => {
          const book = new InstrumentBook();
          for (const [sym, price, ts] of [...list].sort((a, b) => a[2] - b[2]))
            book.applyTick(sym, price, ts);
          const last = book.lastTs(s);
          if (last === undefined) return;
          const before = withoutStaleCounts(book.toSnapshot());
          const result = book.applyTick(s, p, last - back);
          expect(result).toMatchObject({ applied: false, stale: true });
          expect(withoutStaleCounts(book.toSnapshot())).toEqual(before);
        },
      ),
    );
  });

  it('snapshot/restore at any point gives identical state and metrics', () => {
    fc.assert(
      fc.property(fc.array(tickArb, { maxLength: 80 }), fc.nat(80), (list, cut) => {
        const sorted = [...list].sort((a, b) => a[2] - b[2]);
        const book = new InstrumentBook();
        sorted.slice(0, cut).forEach(([s, p, t]) => book.applyTick(s, p, t));
        const restored = InstrumentBook.fromSnapshot(JSON.stringify(book.toSnapshot()));
        for (const [s, p, t] of sorted.slice(cut)) {
          expect(restored.applyTick(s, p, t)).toEqual(book.applyTick(s, p, t));
        }
        const portfolio = {
          cash: 1_000,
          positions: [
            { symbol: 'A', quantity: 10 },
            { symbol: 'B', quantity: -5 },
          ],
        };
        expect(computePortfolioMetrics(portfolio, restored, null)).toEqual(
          computePortfolioMetrics(portfolio, book, null),
        );
      }),
    );
  });

  it('is budget-independent: how often metrics are evaluated does not change state or metrics', () => {
    fc.assert(
      fc.property(fc.array(tickArb, { maxLength: 60 }), (list) => {
        const sorted = [...list].sort((a, b) => a[2] - b[2]);
        const portfolio = {
          cash: 500,
          positions: [
            { symbol: 'A', quantity: 3 },
            { symbol: 'C', quantity: 2, mark: 50 },
          ],
        };
        const eager = new InstrumentBook();
        const lazy = new InstrumentBook();
        for (const [s, p, t] of sorted) {
          eager.applyTick(s, p, t);
          computePortfolioMetrics(portfolio, eager, null);
          lazy.applyTick(s, p, t);
        }
        expect(eager.toSnapshot()).toEqual(lazy.toSnapshot());
        expect(computePortfolioMetrics(portfolio, eager, null)).toEqual(
          computePortfolioMetrics(portfolio, lazy, null),
        );
      }),
    );
  });
});
