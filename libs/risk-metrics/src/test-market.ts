import type { MarketView } from './instrument-book';

/**
 * A fixed market for hand-computed tests: tick prices, per-symbol one-day vols, one correlation
 * for every pair, the same trading days of history for every symbol.
 */
export class FixedMarket implements MarketView {
  constructor(
    private readonly prices: Record<string, number>,
    private readonly volsDay: Record<string, number>,
    private readonly correlation = 0,
    private readonly sampleCount = 100,
    private readonly warmAt = 2.68,
  ) {}

  lastPrice(symbol: string): number | undefined {
    return this.prices[symbol];
  }

  covarianceDay(a: string, b: string): number {
    const va = this.volsDay[a] ?? 0;
    const vb = this.volsDay[b] ?? 0;
    return a === b ? va * va : this.correlation * va * vb;
  }

  samples(): number {
    return this.sampleCount;
  }

  isWarm(): boolean {
    return this.sampleCount >= this.warmAt;
  }
}
