import type { DailyPosition } from './daily-record';

/** What an evaluation saw of the market: the book's last applied prices and their times. */
export interface ClosingMarket {
  lastPrice(symbol: string): number | undefined;
  lastTs(symbol: string): number | undefined;
}

export interface DailyClose {
  /**
   * The time the evaluated state is as of: its own event time or the newest price it used,
   * whichever is later. A day's record is its latest state, so an evaluation triggered by an
   * older event (a late news item) files under the day its prices belong to, and of two
   * evaluations of the same instant the later one, which has seen more ticks, wins.
   */
  asOf: string;
  cash: number;
  positions: DailyPosition[];
}

/** The positions an evaluation valued, at the prices it used (last tick, else the mark). */
export function dailyClose(
  evaluationTs: string,
  cash: number,
  positions: readonly { symbol: string; quantity: number; price?: number }[],
  market: ClosingMarket,
): DailyClose {
  let asOf = Date.parse(evaluationTs);
  const valued = positions.map((p) => {
    const ts = market.lastTs(p.symbol);
    if (ts !== undefined && ts > asOf) asOf = ts;
    return {
      symbol: p.symbol,
      quantity: p.quantity,
      price: market.lastPrice(p.symbol) ?? p.price ?? null,
    };
  });
  return { asOf: new Date(asOf).toISOString(), cash, positions: valued };
}
