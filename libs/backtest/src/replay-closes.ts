import { InstrumentBook, computePortfolioMetrics, type RiskModelConfig } from '@risk/risk-metrics';
import type { DailyRiskRecord } from './daily-record';

/** One day's closing prices (a missing symbol did not trade). */
export interface DailyCloses {
  readonly date: string;
  readonly prices: Readonly<Record<string, number>>;
}

/** The close's event time: 16:00 UTC, the hour the replays and the demo's history use. */
export const CLOSE_UTC_HOUR = 16;

/**
 * Daily records of a fixed book made by the service's own VaR method: each day's closes applied
 * to an InstrumentBook as ticks at the close's event time, then the portfolio's metrics, as the
 * risk engine computes them for an evaluation after those ticks.
 */
export function recordsFromCloses(
  days: readonly DailyCloses[],
  holdings: {
    readonly cash: number;
    readonly positions: readonly { symbol: string; quantity: number }[];
  },
  config: Partial<RiskModelConfig> = {},
): DailyRiskRecord[] {
  const book = new InstrumentBook(config);
  let peak: number | null = null;
  const records: DailyRiskRecord[] = [];
  for (const day of days) {
    const ts = Date.parse(`${day.date}T00:00:00.000Z`) + CLOSE_UTC_HOUR * 3_600_000;
    for (const [symbol, price] of Object.entries(day.prices)) book.applyTick(symbol, price, ts);
    const r = computePortfolioMetrics(holdings, book, peak);
    peak = r.peakNav;
    records.push({
      date: day.date,
      nav: r.metrics.nav,
      var99: r.metrics.var99,
      es99: r.metrics.es99,
      positions: holdings.positions.map((p) => ({
        symbol: p.symbol,
        quantity: p.quantity,
        price: book.lastPrice(p.symbol) ?? null,
      })),
    });
  }
  return records;
}

/** `count` weekdays from `start` (YYYY-MM-DD), as YYYY-MM-DD: a trading calendar without holidays. */
export function weekdays(start: string, count: number): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${start}T00:00:00.000Z`); out.length < count; t += 86_400_000) {
    const dow = new Date(t).getUTCDay();
    if (dow !== 0 && dow !== 6) out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

/** The first of the `count` weekdays that end on the last weekday before `before` (YYYY-MM-DD). */
export function firstOfWeekdaysBefore(before: string, count: number): string {
  let t = Date.parse(`${before}T00:00:00.000Z`);
  let found = 0;
  while (found < count) {
    t -= 86_400_000;
    const dow = new Date(t).getUTCDay();
    if (dow !== 0 && dow !== 6) found++;
  }
  return new Date(t).toISOString().slice(0, 10);
}
