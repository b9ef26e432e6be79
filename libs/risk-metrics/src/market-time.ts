/**
 * Elapsed market time, in trading days, between two event times of one clock (a symbol's ticks,
 * or the global clock). Within a session (a gap of at most one session, `sessionMs`) market time
 * is the session's fraction of a day: `(1 − overnightShare) · Δt / sessionMs`. A longer gap
 * (overnight, a weekend, daily closes) ends the trading day: it counts as what is left of that
 * day, `1 − accrued`, but at least `overnightShare` (and never less than `minStep`). So daily
 * closes give one trading day per close, and a full session of intraday ticks plus the night
 * adds up to one day too. docs/risk-methodology.md § 3 works the cases.
 */
export interface MarketClock {
  readonly sessionMs: number;
  readonly overnightShare: number;
  /** Smallest market time a day-ending gap counts for (keeps r²/Δτ finite when the share is 0). */
  readonly minStep: number;
}

export interface MarketStep {
  /** Market time elapsed, trading days. */
  readonly dtau: number;
  /** Market time accrued in the current trading day after this step. */
  readonly accrued: number;
}

export function marketStep(clock: MarketClock, accrued: number, elapsedMs: number): MarketStep {
  if (elapsedMs <= clock.sessionMs) {
    const dtau = ((1 - clock.overnightShare) * elapsedMs) / clock.sessionMs;
    return { dtau, accrued: accrued + dtau };
  }
  return { dtau: Math.max(1 - accrued, clock.overnightShare, clock.minStep), accrued: 0 };
}
