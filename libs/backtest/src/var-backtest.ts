import { christoffersenIndependence, kupiecPof, type LikelihoodRatioTest } from './coverage-tests';
import {
  backtestObservations,
  type BacktestObservation,
  type DailyRiskRecord,
  type ObservationOptions,
} from './daily-record';
import { acerbiSzekelyZ2, type EsBacktest } from './es-backtest';
import { trafficLight, type Zone } from './traffic-light';

/** The exception probability of a 99% VaR. */
export const VAR99_P = 0.01;

export interface VarBacktest {
  readonly observations: number;
  readonly exceptions: number;
  readonly expectedExceptions: number;
  readonly kupiec: LikelihoodRatioTest;
  readonly christoffersen: LikelihoodRatioTest;
  readonly zone: Zone;
  readonly esBacktest: EsBacktest;
  /** Record pairs that could not be judged (gap too long, a price missing the next day). */
  readonly skipped: number;
  readonly series: BacktestObservation[];
}

/** Everything the var-backtest route answers, from observations already paired. */
export function backtestVar(series: BacktestObservation[], skipped = 0): VarBacktest {
  const hits = series.map((o) => o.exception);
  const exceptions = hits.filter(Boolean).length;
  const c = christoffersenIndependence(hits);
  return {
    observations: series.length,
    exceptions,
    expectedExceptions: series.length * VAR99_P,
    kupiec: kupiecPof(series.length, exceptions, VAR99_P),
    christoffersen: { lr: c.lr, pValue: c.pValue },
    zone: trafficLight(series.length, exceptions, VAR99_P).zone,
    esBacktest: acerbiSzekelyZ2(series, VAR99_P),
    skipped,
    series,
  };
}

/**
 * Backtests the last `days` observations of a portfolio's daily records (the records may reach
 * further back; one more record than `days` is needed for `days` observations).
 */
export function backtestRecords(
  records: readonly DailyRiskRecord[],
  days: number,
  opts: ObservationOptions = {},
): VarBacktest {
  const { observations, skipped } = backtestObservations(records, opts);
  return backtestVar(observations.slice(Math.max(0, observations.length - days)), skipped);
}
