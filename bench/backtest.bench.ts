/**
 * bench:backtest — how fast the VaR backtest runs, and whether the service's VaR passes it.
 *
 * 1. 500 portfolios × 500 days of daily records (10 positions each, in memory): time to pair the
 *    days, price the P&L and run Kupiec, Christoffersen, the traffic light and the ES test.
 * 2. Two simulated books of a year (252 closes) of one stock: normal log returns at 1% a day
 *    ("calm"), and the same path with a dozen −8% crash days ("crash"). var99 comes from the
 *    service's own method (InstrumentBook + computePortfolioMetrics fed one close a day).
 * Goals: backtest_s ≤ 60; calm green or yellow with ≤ 7 exceptions; crash red.
 * Ends with one RESULT line (zones: 0 green, 1 yellow, 2 red).
 */
import {
  ZONE_CODES,
  backtestRecords,
  recordsFromCloses,
  type DailyRiskRecord,
} from '@risk/backtest';
import { simulateDailyCloses } from '../scripts/simulator/daily-closes';
import { resultLine, round } from './bench-support';

const PORTFOLIOS = 500;
const DAYS = 500;
const POSITIONS = 10;

function syntheticPortfolios(): DailyRiskRecord[][] {
  const symbols = Array.from({ length: 100 }, (_, i) => `S${i}`);
  const closes = simulateDailyCloses({ symbols, days: DAYS + 1, dailyVol: 0.015, seed: 7 });
  return Array.from({ length: PORTFOLIOS }, (_, p) => {
    const held = Array.from({ length: POSITIONS }, (_, k) => symbols[(p * 7 + k * 13) % 100]);
    return closes.map((c) => {
      const positions = held.map((symbol, k) => ({
        symbol,
        quantity: (k % 3 === 0 ? -1 : 1) * (100 + k),
        price: c.prices[symbol],
      }));
      const gross = positions.reduce((s, x) => s + Math.abs(x.quantity * x.price), 0);
      // A plausible forecast: 2.33 × 1.5% of a diversified gross exposure.
      const var99 = 2.326 * 0.015 * gross * 0.4;
      return { date: c.date, nav: gross, var99, es99: var99 * 1.146, positions };
    });
  });
}

function bookCloses(crashes: number) {
  return simulateDailyCloses({
    symbols: ['BOOK'],
    days: 252,
    dailyVol: 0.01,
    crashes,
    crashReturn: -0.08,
    seed: 42,
  });
}

const HOLDINGS = { cash: 0, positions: [{ symbol: 'BOOK', quantity: 10_000 }] };

function summary(records: DailyRiskRecord[]) {
  const r = backtestRecords(records, 250);
  return { exceptions: r.exceptions, zone: ZONE_CODES[r.zone], z2: r.esBacktest.z2 };
}

/** The service's VaR method fed one close a day. */
function bookBacktest(crashes: number) {
  return summary(recordsFromCloses(bookCloses(crashes), HOLDINGS));
}

/**
 * A textbook daily RiskMetrics VaR on the same closes (EWMA λ = 0.94 of daily log returns,
 * seeded at 30% a year), printed beside the service's as a check of the bench itself.
 */
function referenceBacktest(crashes: number) {
  let variance = 0.3 ** 2 / 252;
  let previous: number | null = null;
  const records = bookCloses(crashes).map((c) => {
    const price = c.prices.BOOK;
    if (previous !== null) variance = 0.94 * variance + 0.06 * Math.log(price / previous) ** 2;
    previous = price;
    const value = HOLDINGS.positions[0].quantity * price;
    const sigma = Math.sqrt(variance);
    return {
      date: c.date,
      nav: value,
      var99: 2.326348 * sigma * value,
      es99: 2.665214 * sigma * value,
      positions: [{ symbol: 'BOOK', quantity: HOLDINGS.positions[0].quantity, price }],
    };
  });
  return summary(records);
}

function main(): void {
  const portfolios = syntheticPortfolios();
  const started = performance.now();
  let exceptions = 0;
  for (const records of portfolios) exceptions += backtestRecords(records, DAYS).exceptions;
  const backtestS = (performance.now() - started) / 1000;
  console.log(
    `${PORTFOLIOS} portfolios × ${DAYS} days backtested in ${round(backtestS, 3)} s (${exceptions} exceptions in all)`,
  );
  const calm = bookBacktest(0);
  const crash = bookBacktest(12);
  console.log(`calm book: ${calm.exceptions} exceptions, zone ${calm.zone}, ES Z2 ${calm.z2}`);
  console.log(`crash book: ${crash.exceptions} exceptions, zone ${crash.zone}, ES Z2 ${crash.z2}`);
  const refCalm = referenceBacktest(0);
  const refCrash = referenceBacktest(12);
  console.log(
    `reference daily RiskMetrics: calm ${refCalm.exceptions} exceptions zone ${refCalm.zone}; crash ${refCrash.exceptions} exceptions zone ${refCrash.zone}`,
  );
  console.log(
    resultLine({
      backtest_s: round(backtestS, 3),
      calm_exceptions: calm.exceptions,
      calm_zone: calm.zone,
      crash_exceptions: crash.exceptions,
      crash_zone: crash.zone,
    }),
  );
}

main();
