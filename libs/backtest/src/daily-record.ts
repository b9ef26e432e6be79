/** A portfolio's close of one event-time UTC day: what the backtest compares day by day. */
export interface DailyPosition {
  readonly symbol: string;
  readonly quantity: number;
  /** The price the evaluation used (last tick, else the snapshot's mark); null: unpriced. */
  readonly price: number | null;
}

export interface DailyRiskRecord {
  /** `YYYY-MM-DD`, the UTC day of the evaluation's event time. */
  readonly date: string;
  readonly nav: number;
  readonly var99: number;
  readonly es99: number;
  readonly positions: readonly DailyPosition[];
}

/** One forecast and the outcome it is judged against. */
export interface BacktestObservation {
  /** The day whose close carried the forecast. */
  readonly date: string;
  /** The next recorded day, whose close gives the realized P&L. */
  readonly pnlDate: string;
  readonly var99: number;
  readonly es99: number;
  /** Σ q_t · (p_{t+1} − p_t) over the positions held at day t's close. */
  readonly pnl: number;
  /** The loss exceeded the forecast: pnl < −var99. */
  readonly exception: boolean;
}

const DAY_MS = 86_400_000;

export interface ObservationOptions {
  /**
   * The most calendar days between a record and the next one that still count as "the next
   * trading day" (a weekend with a holiday is 4); a longer gap (no evaluation for a week) is
   * not a one-day outcome and is skipped.
   */
  readonly maxGapDays?: number;
}

export interface ObservationsResult {
  readonly observations: BacktestObservation[];
  /** Pairs of records left out: too far apart, or a held symbol has no price the next day. */
  readonly skipped: number;
}

/**
 * Pairs each record with the next one (by date) and computes the P&L of day t's positions at
 * unchanged quantities. Positions unpriced at day t were left out of day t's VaR and are left out
 * of its P&L; a symbol priced at t but absent (or unpriced) at t+1 leaves the outcome unknown.
 */
export function backtestObservations(
  records: readonly DailyRiskRecord[],
  opts: ObservationOptions = {},
): ObservationsResult {
  const maxGapDays = opts.maxGapDays ?? 5;
  const sorted = [...records].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const observations: BacktestObservation[] = [];
  let skipped = 0;
  for (let i = 0; i + 1 < sorted.length; i++) {
    const today = sorted[i];
    const next = sorted[i + 1];
    const gap = (Date.parse(next.date) - Date.parse(today.date)) / DAY_MS;
    const pnl = gap <= maxGapDays ? pnlAtUnchangedPositions(today, next) : null;
    if (pnl === null) {
      skipped++;
      continue;
    }
    observations.push({
      date: today.date,
      pnlDate: next.date,
      var99: today.var99,
      es99: today.es99,
      pnl,
      exception: pnl < -today.var99,
    });
  }
  return { observations, skipped };
}

/** Σ q_t (p_{t+1} − p_t); null when a position priced at t has no price at t+1. */
export function pnlAtUnchangedPositions(
  today: DailyRiskRecord,
  next: DailyRiskRecord,
): number | null {
  const nextPrice = new Map<string, number>();
  for (const p of next.positions) if (p.price !== null) nextPrice.set(p.symbol, p.price);
  let pnl = 0;
  for (const p of today.positions) {
    if (p.price === null || p.quantity === 0) continue;
    const close = nextPrice.get(p.symbol);
    if (close === undefined) return null;
    pnl += p.quantity * (close - p.price);
  }
  return pnl;
}
