import {
  backtestObservations,
  pnlAtUnchangedPositions,
  type DailyRiskRecord,
} from './daily-record';
import { backtestRecords } from './var-backtest';

const rec = (
  date: string,
  var99: number,
  prices: Record<string, number | null>,
  qty: Record<string, number> = { AAA: 10, BBB: -5 },
): DailyRiskRecord => ({
  date,
  nav: 0,
  var99,
  es99: var99 * 1.15,
  positions: Object.entries(qty).map(([symbol, quantity]) => ({
    symbol,
    quantity,
    price: prices[symbol] ?? null,
  })),
});

describe('backtestObservations', () => {
  it('prices day t’s positions at day t+1’s closes', () => {
    const records = [
      // out of order on purpose: pairs are made by date
      rec('2026-01-06', 20, { AAA: 97, BBB: 52 }),
      rec('2026-01-05', 20, { AAA: 100, BBB: 50 }),
      // Friday → Monday is one trading day (3 calendar days)
      rec('2026-01-09', 20, { AAA: 98, BBB: 52 }),
      rec('2026-01-12', 20, { AAA: 96, BBB: 53 }, { AAA: 20, BBB: -5 }),
      // 11 days later: not a one-day outcome
      rec('2026-01-23', 20, { AAA: 90 }, { AAA: 20 }),
    ];
    const { observations, skipped } = backtestObservations(records);
    // 01-05 → 01-06: 10 · (97 − 100) + (−5) · (52 − 50) = −30 − 10 = −40 < −20: exception
    // 01-06 → 01-09: 10 · (98 − 97) + (−5) · 0 = 10
    // 01-09 → 01-12: 10 · (96 − 98) + (−5) · (53 − 52) = −20 − 5 = −25 < −20: exception
    // (the positions of 01-09 count, not the 01-12 rebalance to 20 AAA)
    expect(observations.map((o) => [o.date, o.pnlDate, o.pnl, o.exception])).toEqual([
      ['2026-01-05', '2026-01-06', -40, true],
      ['2026-01-06', '2026-01-09', 10, false],
      ['2026-01-09', '2026-01-12', -25, true],
    ]);
    expect(skipped).toBe(1);
  });

  it('leaves out positions unpriced at t, and the day when a held symbol has no next price', () => {
    const t = rec('2026-01-05', 1, { AAA: 100, BBB: null });
    // BBB was unpriced (outside VaR): only AAA counts, 10 · (101 − 100) = 10
    expect(pnlAtUnchangedPositions(t, rec('2026-01-06', 1, { AAA: 101, BBB: 40 }))).toBe(10);
    // AAA sold by the next close and no price for it: the outcome is unknown
    expect(pnlAtUnchangedPositions(t, rec('2026-01-06', 1, { BBB: 40 }, { BBB: -5 }))).toBeNull();
  });

  it('a loss equal to VaR is not an exception (strictly below −var99)', () => {
    const { observations } = backtestObservations([
      rec('2026-01-05', 30, { AAA: 100, BBB: 50 }),
      rec('2026-01-06', 30, { AAA: 97, BBB: 50 }),
    ]);
    expect(observations[0]).toMatchObject({ pnl: -30, exception: false });
  });
});

describe('backtestRecords', () => {
  it('keeps the last `days` observations and counts their exceptions', () => {
    const records = [
      rec('2026-01-05', 20, { AAA: 100, BBB: 50 }),
      rec('2026-01-06', 20, { AAA: 97, BBB: 52 }),
      rec('2026-01-07', 20, { AAA: 98, BBB: 52 }),
      rec('2026-01-08', 20, { AAA: 96, BBB: 53 }),
    ];
    // observations: −40 (exc), +10, −25 (exc); the last 2: +10 and −25
    const r = backtestRecords(records, 2);
    expect(r.series.map((o) => o.pnl)).toEqual([10, -25]);
    expect(r).toMatchObject({ observations: 2, exceptions: 1, expectedExceptions: 0.02 });
    // Kupiec with T = 2, x = 1: −2 [ln 0.99 + ln 0.01 − ln 0.5 − ln 0.5]
    //   = −2 [−0.0100503 − 4.6051702 + 1.3862944] = 6.4578522
    expect(r.kupiec.lr).toBeCloseTo(6.45785, 4);
    // one transition F → T: π01 = 1 = π, LR 0
    expect(r.christoffersen.lr).toBeCloseTo(0, 10);
    // T = 2: P(X ≤ 0) = 0.9801 ≥ 95%, so even 1 exception is past green; P(X ≤ 1) = 0.9999 → red
    expect(r.zone).toBe('red');
  });
});
