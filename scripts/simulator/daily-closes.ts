import type { DailyCloses } from '@risk/backtest';
import { weekdays } from '@risk/backtest';
import { deriveRng, normal, uniformInt } from './prng';

export interface DailyClosesOptions {
  readonly symbols: readonly string[];
  /** Trading days (weekdays from `start`). */
  readonly days: number;
  readonly start?: string;
  readonly startPrice?: number;
  /** Standard deviation of each symbol's daily log return. */
  readonly dailyVol: number;
  /** Days on which every symbol falls by `crashReturn` on top of its normal return. */
  readonly crashes?: number;
  readonly crashReturn?: number;
  readonly seed: number;
}

/**
 * A history of daily closes: independent normal log returns per symbol, optionally with
 * market-wide crash days spread over the year (none in the first month, so a model has
 * warmed up). Seeded: the same options give the same closes.
 */
export function simulateDailyCloses(o: DailyClosesOptions): DailyCloses[] {
  const dates = weekdays(o.start ?? '2026-01-05', o.days);
  const noise = deriveRng(o.seed, 'daily-closes');
  const crashRng = deriveRng(o.seed, 'daily-crashes');
  const crashDays = new Set<number>();
  const crashes = Math.min(o.crashes ?? 0, Math.max(0, o.days - 21));
  while (crashDays.size < crashes) crashDays.add(uniformInt(crashRng, 21, o.days - 1));
  const crash = Math.log(1 + (o.crashReturn ?? -0.08));
  const prices = new Map(o.symbols.map((s) => [s, o.startPrice ?? 100]));
  return dates.map((date, i) => {
    if (i > 0) {
      for (const s of o.symbols) {
        const r = o.dailyVol * normal(noise) + (crashDays.has(i) ? crash : 0);
        prices.set(s, prices.get(s)! * Math.exp(r));
      }
    }
    return { date, prices: Object.fromEntries(prices) };
  });
}

/**
 * A history of daily closes for the demo's universe: a one-factor model, `r_i = β_i m + ε_i` with
 * the market factor at 18% a year and each symbol's idiosyncratic volatility (universe.ts), plus
 * `crashes` market-wide down days of `crashReturn` on the factor. Seeded.
 */
export function simulateUniverseHistory(o: {
  instruments: readonly { symbol: string; startPrice: number; beta: number; idioVol: number }[];
  days: number;
  start?: string;
  crashes?: number;
  crashReturn?: number;
  seed: number;
}): DailyCloses[] {
  const dates = weekdays(o.start ?? '2026-01-05', o.days);
  const noise = deriveRng(o.seed, 'universe-closes');
  const crashRng = deriveRng(o.seed, 'universe-crashes');
  const crashDays = new Set<number>();
  const crashes = Math.min(o.crashes ?? 0, Math.max(0, o.days - 21));
  while (crashDays.size < crashes) crashDays.add(uniformInt(crashRng, 21, o.days - 1));
  const crash = Math.log(1 + (o.crashReturn ?? -0.06));
  const marketVol = 0.18 / Math.sqrt(252);
  const prices = new Map(o.instruments.map((i) => [i.symbol, i.startPrice]));
  return dates.map((date, d) => {
    if (d > 0) {
      const m = marketVol * normal(noise) + (crashDays.has(d) ? crash : 0);
      for (const i of o.instruments) {
        const r = i.beta * m + (i.idioVol / Math.sqrt(252)) * normal(noise);
        prices.set(i.symbol, Math.round(prices.get(i.symbol)! * Math.exp(r) * 100) / 100);
      }
    }
    return { date, prices: Object.fromEntries(prices) };
  });
}
