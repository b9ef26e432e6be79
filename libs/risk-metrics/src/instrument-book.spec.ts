import fc from 'fast-check';
import {
  InstrumentBook,
  type InstrumentBookDelta,
  type InstrumentBookSnapshot,
} from './instrument-book';
import { DEFAULT_RISK_MODEL_CONFIG, resolveRiskModelConfig } from './config';
import { HoldingsIndex } from './holdings-index';
import { marketStep } from './market-time';
import { computePortfolioMetrics } from './portfolio-metrics';

const MIN = 60_000;
const DAY = 86_400_000;
const LAMBDA = 0.94;
// Seed one-day variance with the defaults: 0.30² / 252 = 3.5714285714285714e-4.
const SEED = 0.09 / 252;
// Prior weight of the seed: one trading day of observations, 1 − λ = 0.06.
const W0 = 0.06;
// One minute of session is (1 − 0.25) · 60 s / 23,400 s = 1/520 of a trading day.
const MINUTE_TAU = 1 / 520;

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

  it('seeds the one-day variance from the default annual vol', () => {
    const book = new InstrumentBook();
    book.applyTick('AAPL', 100, 0);
    expect(book.varianceDay('AAPL')).toBeCloseTo(SEED, 18);
    expect(book.covarianceDay('AAPL', 'AAPL')).toBeCloseTo(SEED, 18);
    expect(book.volatilityAnnualized('AAPL')).toBeCloseTo(0.3, 12);
    expect(book.covarianceDay('AAPL', 'MSFT')).toBe(0);
    expect(book.varianceDay('NEVER')).toBe(SEED);
  });

  it('counts market time: session fraction, the rest of the day over a night, a day per close', () => {
    const clock = { sessionMs: 23_400_000, overnightShare: 0.25, minStep: MINUTE_TAU };
    // One minute of session: 0.75 × 60 / 23,400 = 1/520.
    expect(marketStep(clock, 0, MIN).dtau).toBeCloseTo(MINUTE_TAU, 15);
    // A full session accrues 0.75; the 17.5-h night then counts max(1 − 0.75, 0.25) = 0.25.
    expect(marketStep(clock, 0.75, 17.5 * 3_600_000)).toEqual({ dtau: 0.25, accrued: 0 });
    // Daily closes accrue nothing within a day: each 24-h (or 72-h weekend) gap is one day.
    expect(marketStep(clock, 0, DAY)).toEqual({ dtau: 1, accrued: 0 });
    expect(marketStep(clock, 0, 3 * DAY)).toEqual({ dtau: 1, accrued: 0 });
    // Hourly from 9:30, last at 15:30: 0.75 × 6/6.5 = 0.6923 accrued; the night is 0.3077.
    expect(marketStep(clock, 0.75 * (6 / 6.5), 18 * 3_600_000).dtau).toBeCloseTo(
      1 - 0.75 * (6 / 6.5),
      15,
    );
    // With no overnight share and a full session, the night still counts the smallest step.
    expect(marketStep({ ...clock, overnightShare: 0 }, 1, DAY).dtau).toBe(MINUTE_TAU);
  });

  it('updates the variance per elapsed market time (hand computed)', () => {
    const book = new InstrumentBook();
    book.applyTick('A', 100, 0);
    book.applyTick('A', 100.3, MIN);
    // Δτ = 1/520, a = 0.94^(1/520) = 0.99988101592, r = ln 1.003 = 0.00299551
    // (bound 4·√(SEED/520) = 0.00331497: no clip)
    // S = a·0.06·SEED + (1 − a)·r²·520 = 2.19812e-5; W = 0.06·a + 1 − a = 0.0601118
    // v = S / W = 3.656717e-4 per day (σ_day 1.912 %).
    const a = LAMBDA ** MINUTE_TAU;
    const r1 = Math.log(1.003);
    const s1 = a * W0 * SEED + (1 - a) * r1 * r1 * 520;
    const w1 = W0 * a + 1 - a;
    expect(book.varianceDay('A')).toBeCloseTo(s1 / w1, 17);
    expect(book.varianceDay('A')).toBeCloseTo(3.656717e-4, 9);
    book.applyTick('A', 100, 2 * MIN);
    const r2 = Math.log(100 / 100.3);
    const s2 = a * s1 + (1 - a) * r2 * r2 * 520;
    const w2 = W0 * a * a + 1 - a * a;
    expect(book.varianceDay('A')).toBeCloseTo(s2 / w2, 17);
    expect(book.varianceDay('A')).toBeCloseTo(3.741679e-4, 9);
    expect(book.samples('A')).toBeCloseTo(2 * MINUTE_TAU, 15);

    // Daily closes: Δτ = 1, a = 0.94, r = ln 1.02 = 0.0198026:
    // v = (0.94·0.06·SEED + 0.06·r²) / (0.06·0.94 + 0.06) = 3.751847e-4.
    const daily = new InstrumentBook();
    daily.applyTick('D', 100, 16 * 3_600_000);
    daily.applyTick('D', 102, DAY + 16 * 3_600_000);
    const rd = Math.log(1.02);
    expect(daily.varianceDay('D')).toBeCloseTo((0.94 * W0 * SEED + 0.06 * rd * rd) / 0.1164, 17);
    expect(daily.varianceDay('D')).toBeCloseTo(3.751847e-4, 9);
    expect(daily.samples('D')).toBe(1);
  });

  it('clips a return to ±4σ of its own market time (hand computed)', () => {
    const book = new InstrumentBook();
    book.applyTick('A', 100, 0);
    book.applyTick('A', 110, MIN); // a 10% jump in one minute
    // bound = 4·√(SEED·Δτ) = 4·√(SEED / 520) = 0.00331497, far below ln 1.1 = 0.0953
    const a = LAMBDA ** MINUTE_TAU;
    const bound = 4 * Math.sqrt(SEED * MINUTE_TAU);
    expect(bound).toBeCloseTo(0.00331497, 8);
    const w = W0 * a + 1 - a;
    // (a·0.06·SEED + (1 − a)·16·SEED) / W = 1.029691·SEED
    expect(book.varianceDay('A')).toBeCloseTo((a * W0 * SEED + (1 - a) * 16 * SEED) / w, 17);
    expect(book.varianceDay('A') / SEED).toBeCloseTo(1.029691, 5);
    // A daily close 10% above the last one, warm state aside: bound 4·√SEED = 0.0755929, so
    // v = (0.94·0.06·SEED + 0.06·16·SEED) / 0.1164 = 8.7320·SEED.
    const daily = new InstrumentBook();
    daily.applyTick('A', 100, 0);
    daily.applyTick('A', 110, DAY);
    expect(daily.varianceDay('A') / SEED).toBeCloseTo((0.0564 + 0.96) / 0.1164, 12);
    const unclipped = new InstrumentBook({ returnClipSigma: 0 });
    unclipped.applyTick('A', 100, 0);
    unclipped.applyTick('A', 110, MIN);
    expect(unclipped.varianceDay('A')).toBeCloseTo(
      (a * W0 * SEED + (1 - a) * Math.log(1.1) ** 2 * 520) / w,
      15,
    );
  });

  it('correlates symbols through the market factor on grid closes (hand computed)', () => {
    const book = new InstrumentBook();
    book.applyTick('A', 100, 0);
    book.applyTick('B', 50, 1_000);
    // Bucket 0 closes: A and B take their first grid prices; no correlation yet.
    expect(book.applyTick('A', 100.3, MIN).bucketsClosed).toBe(1);
    expect(book.covarianceDay('A', 'B')).toBe(0);
    book.applyTick('B', 50.15, MIN + 30_000);
    // Bucket 1 closes at market time 1.5/520 (the clock's last tick, 90 s after 0):
    // r_A = r_B = r_m = ln 1.003, a = 0.94^(1.5/520), k = (1 − a)/Δτ.
    // market: a·0.06·SEED + k·r²; A and B alike: gridVar = a·0.06·SEED + k·r², gridCov = k·r²
    // ρ_A = ρ_B = k·r² / (a·0.06·SEED + k·r²) = 0.0252577 (the seed prior still dominates);
    // Σ_AB = ρ_A·ρ_B·√(v_A·v_B).
    book.applyTick('C', 10, 2 * MIN);
    const r = Math.log(1.003);
    const dtau = 1.5 / 520;
    const a = LAMBDA ** dtau;
    const k = (1 - a) / dtau;
    const rho = (k * r * r) / (a * W0 * SEED + k * r * r);
    expect(rho).toBeCloseTo(0.0252577, 6);
    expect(book.marketCorrelation('A')).toBeCloseTo(rho, 10);
    expect(book.marketCorrelation('B')).toBeCloseTo(rho, 10);
    expect(book.covarianceDay('A', 'B')).toBeCloseTo(
      rho * rho * Math.sqrt(book.varianceDay('A') * book.varianceDay('B')),
      14,
    );
    expect(book.covarianceDay('B', 'A')).toBe(book.covarianceDay('A', 'B'));
    expect(book.marketCorrelation('C')).toBe(0);
  });

  it('computes the large-move z-score from the EWMA σ over max(elapsed, Δ) of market time', () => {
    const book = new InstrumentBook();
    book.applyTick('A', 100, 0);
    // Elapsed 30 s < Δ: horizon 1/520 day; z = ln 1.03 / √(SEED / 520) = 0.0295588 / 0.00082874.
    const fast = book.applyTick('A', 103, 30_000);
    expect(fast.zScore).toBeCloseTo(35.66708, 4);
    expect(fast.largeMove).toBe(true);
    // Elapsed 4 minutes = 4/520 day: √4 = 2 times smaller in σ units.
    const other = new InstrumentBook();
    other.applyTick('A', 100, 0);
    expect(other.applyTick('A', 103, 4 * MIN).zScore).toBeCloseTo(35.66708 / 2, 4);
    const small = new InstrumentBook();
    small.applyTick('A', 100, 0);
    const quiet = small.applyTick('A', 100.05, 1_000);
    expect(quiet.largeMove).toBe(false);
    expect(Math.abs(quiet.zScore ?? 0)).toBeLessThan(3);
  });

  it('is warm once the seed weighs at most 25 %: 2.68 trading days at the defaults', () => {
    // 0.06·λ^τ / (0.06·λ^τ + 1 − λ^τ) ≤ 1/4 ⇔ λ^τ ≤ 0.25 / 0.295 ⇔ τ ≥ 2.67496
    expect(DEFAULT_RISK_MODEL_CONFIG.warmupDays).toBe(2.68);
    const book = new InstrumentBook();
    for (let d = 0; d <= 2; d++) book.applyTick('A', 100 + d, d * DAY);
    expect(book.samples('A')).toBe(2);
    expect(book.isWarm('A')).toBe(false);
    book.applyTick('A', 104, 3 * DAY);
    expect(book.isWarm('A')).toBe(true);
  });

  it('rejects bad configuration', () => {
    expect(() => resolveRiskModelConfig({ lambda: 1 })).toThrow(RangeError);
    expect(() => resolveRiskModelConfig({ sampleIntervalMs: 0 })).toThrow(RangeError);
    expect(() => resolveRiskModelConfig({ overnightShare: 1 })).toThrow(RangeError);
    expect(() => resolveRiskModelConfig({ maxUnheldSymbols: -1 })).toThrow(RangeError);
    // λ = 0.97: λ^τ ≤ 0.25 / (0.75·0.03 + 0.25) = 0.917431 ⇔ τ ≥ 2.82928
    expect(resolveRiskModelConfig({ lambda: 0.97 }).warmupDays).toBe(2.83);
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
    const snap = book.toSnapshot();
    const bad: InstrumentBookSnapshot = {
      ...snap,
      symbols: [{ symbol: 'A', state: 'AAAA' }],
    };
    expect(() => InstrumentBook.fromSnapshot(bad)).toThrow(RangeError);
    expect(() => InstrumentBook.fromSnapshot({ ...snap, clockTs: Number.NaN })).toThrow(RangeError);
    expect(() => InstrumentBook.fromSnapshot('{"version":3}')).toThrow(RangeError);
  });

  it('migrates a version-1 snapshot: prices, ticks and one-day variances kept', () => {
    // Two symbols; per-interval covariance [[2e-6, 5e-7], [5e-7, 1e-6]] on a 60-s grid (× 390).
    const cov = Buffer.alloc(24);
    [2e-6, 5e-7, 1e-6].forEach((v, i) => cov.writeDoubleLE(v, 8 * i));
    const v1 = {
      version: 1,
      config: { ...DEFAULT_RISK_MODEL_CONFIG, sampleIntervalMs: 60_000 },
      clockTs: 120_000,
      openBucket: 2,
      staleTotal: 3,
      bucketsClosedTotal: 2,
      instruments: [
        { symbol: 'A', price: 101, ts: 120_000, stale: 3 },
        { symbol: 'B', price: 50, ts: 60_000, stale: 0 },
        { symbol: 'N', price: 7, ts: 90_000, stale: 0 },
      ],
      matrix: [
        { symbol: 'A', closePrice: 100, samples: 1 },
        { symbol: 'B', closePrice: 50, samples: 1 },
      ],
      covariance: cov.toString('base64'),
    };
    const book = InstrumentBook.fromSnapshot(JSON.stringify(v1));
    expect(book.lastPrice('A')).toBe(101);
    expect(book.staleCount('A')).toBe(3);
    expect(book.varianceDay('A')).toBeCloseTo(2e-6 * 390, 18);
    expect(book.varianceDay('B')).toBeCloseTo(1e-6 * 390, 18);
    expect(book.varianceDay('N')).toBe(SEED);
    expect(book.covarianceDay('A', 'B')).toBe(0);
    expect(book.applyTick('A', 102, 100_000)).toMatchObject({ stale: true });
    // Every migrated row is unsaved: the first delta writes them all.
    expect(
      book
        .stateDelta()
        .upsert.map((r) => r.symbol)
        .sort(),
    ).toEqual(['A', 'B', 'N']);
  });

  it('writes only what changed since the last save, and keeps a failed save pending', () => {
    const book = new InstrumentBook();
    feed(book, ticks(0, 30));
    const first = book.stateDelta();
    expect(first.upsert.map((r) => r.symbol).sort()).toEqual(['A', 'B', 'C']);
    book.markSaved(first.mark);
    expect(book.stateDelta().upsert).toEqual([]);
    book.applyTick('A', 99, 30 * 7_919 + 1);
    const second = book.stateDelta();
    expect(second.upsert.map((r) => r.symbol)).toEqual(['A']);
    // The save of `second` failed (no markSaved): the next delta still has A.
    book.applyTick('B', 99, 30 * 7_919 + 2);
    const third = book.stateDelta();
    expect(third.upsert.map((r) => r.symbol).sort()).toEqual(['A', 'B']);
    // Restoring header + every row saved so far gives the same book.
    const rows = new Map<string, string>();
    for (const d of [first, third]) applyDelta(rows, d);
    book.markSaved(third.mark);
    const restored = InstrumentBook.fromSnapshot({
      ...third.header,
      symbols: [...rows].map(([symbol, state]) => ({ symbol, state })),
    });
    expect(restored.covarianceDay('A', 'B')).toBe(book.covarianceDay('A', 'B'));
    expect(restored.varianceDay('C')).toBe(book.varianceDay('C'));
  });

  it('evicts the least recently ticked unheld symbols past the cap, never a held one', () => {
    const holdings = new HoldingsIndex();
    holdings.setHoldings('pf', ['HELD']);
    const book = new InstrumentBook({ maxUnheldSymbols: 3 });
    book.keepHeld(holdings);
    book.applyTick('HELD', 10, 0);
    for (let i = 0; i < 6; i++) book.applyTick(`U${i}`, 10, 1_000 + i);
    expect(book.stats()).toMatchObject({ symbols: 4, evicted: 3 });
    expect(book.lastPrice('HELD')).toBe(10);
    expect(['U3', 'U4', 'U5'].map((s) => book.lastPrice(s))).toEqual([10, 10, 10]);
    expect(book.lastPrice('U0')).toBeUndefined();
    // An evicted symbol whose row was saved is deleted by the next delta.
    book.markSaved(book.stateDelta().mark);
    book.applyTick('U6', 10, 2_000);
    expect(book.stateDelta().remove).toEqual(['U3']);
  });

  it('keeps 100,000 distinct symbols bounded by the cap', () => {
    const book = new InstrumentBook();
    for (let i = 0; i < 100_000; i++) book.applyTick(`R${i}`, 1 + (i % 97), i);
    expect(book.stats().symbols).toBe(DEFAULT_RISK_MODEL_CONFIG.maxUnheldSymbols);
    expect(book.stats().evicted).toBe(100_000 - DEFAULT_RISK_MODEL_CONFIG.maxUnheldSymbols);
    expect(book.stateDelta().upsert.length).toBe(DEFAULT_RISK_MODEL_CONFIG.maxUnheldSymbols);
  });

  it('writes at most 1 MB per flush at 5,000 symbols that all ticked', () => {
    const holdings = new HoldingsIndex();
    const symbols = Array.from({ length: 5_000 }, (_, i) => `SYM${i}.X`);
    holdings.setHoldings('pf', symbols);
    const book = new InstrumentBook();
    book.keepHeld(holdings);
    for (let round = 0; round < 3; round++) {
      symbols.forEach((s, i) => book.applyTick(s, 100 + round + (i % 7), round * MIN + i));
    }
    book.markSaved(book.stateDelta().mark);
    symbols.forEach((s, i) => book.applyTick(s, 101 + (i % 5), 3 * MIN + i));
    const delta = book.stateDelta();
    expect(delta.upsert.length).toBe(5_000);
    // Each row: its symbol and 128 base64 characters; the header is a few hundred bytes.
    const bytes = deltaBytes(delta);
    expect(bytes).toBeLessThanOrEqual(1_000_000);
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

function applyDelta(rows: Map<string, string>, d: InstrumentBookDelta): void {
  for (const s of d.remove) rows.delete(s);
  for (const r of d.upsert) rows.set(r.symbol, r.state);
}

/** Bytes a flush writes: the header's JSON plus each row's symbol and state. */
function deltaBytes(d: InstrumentBookDelta): number {
  return (
    Buffer.byteLength(JSON.stringify(d.header)) +
    d.upsert.reduce((n, r) => n + Buffer.byteLength(r.symbol) + r.state.length, 0) +
    d.remove.reduce((n, s) => n + Buffer.byteLength(s), 0)
  );
}

const tickArb = fc.tuple(
  fc.constantFrom('A', 'B', 'C', 'D'),
  fc.double({ min: 1, max: 1_000, noNaN: true }),
  fc.integer({ min: 0, max: 3_600_000 }),
);

function marketState(book: InstrumentBook): unknown {
  const syms = ['A', 'B', 'C', 'D'];
  return {
    header: { ...book.header(), staleTotal: 0 },
    prices: syms.map((s) => [book.lastPrice(s), book.lastTs(s), book.samples(s)]),
    cov: syms.flatMap((a) => syms.map((b) => book.covarianceDay(a, b))),
  };
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
          const before = marketState(book);
          const result = book.applyTick(s, p, last - back);
          expect(result).toMatchObject({ applied: false, stale: true });
          expect(marketState(book)).toEqual(before);
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
