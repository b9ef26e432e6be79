import { Money } from './config';
import { roundCents } from './format';
import type { RiskMetrics } from './portfolio-metrics';

/** A portfolio's limits as given in its snapshot; absent fields take the defaults below. */
export interface RiskLimits {
  /** Largest |v_i| / nav. */
  readonly maxWeight?: number;
  /** One-day VaR99 in money. */
  readonly var99?: number;
  /** One-day ES99 in money (no default: checked only when given). */
  readonly es99?: number;
  /** Largest drawdown from the peak nav, a ratio. */
  readonly maxDrawdown?: number;
  /** Largest gross exposure / nav. */
  readonly maxGrossLeverage?: number;
}

export const DEFAULT_LIMITS = {
  maxWeight: 0.25,
  /** var99 limit when none is given: this fraction of nav, in money. */
  var99NavFraction: 0.05,
  maxDrawdown: 0.1,
  maxGrossLeverage: 2,
} as const;

export type LimitName =
  'solvency' | 'maxWeight' | 'var99' | 'es99' | 'maxDrawdown' | 'maxGrossLeverage';

export interface LimitCheck {
  readonly limit: LimitName;
  readonly value: number;
  readonly threshold: number;
  /** value / threshold (capped at UTILISATION_CAP); solvency: 0 when nav > 0, else 2. */
  readonly utilisation: number;
  /** value > threshold (solvency: nav ≤ 0). */
  readonly breached: boolean;
  readonly unit: 'ratio' | 'money';
  /** Where the threshold came from. */
  readonly source: 'portfolio' | 'default';
}

/** Keeps utilisations finite (JSON) when a threshold is 0. */
export const UTILISATION_CAP = 100;
/** Solvency has no ratio; a negative nav counts as twice the limit, i.e. CRITICAL. */
export const INSOLVENT_UTILISATION = 2;

/**
 * Checks the metrics against the limits. With nav ≤ 0 the ratio limits (maxWeight, leverage,
 * the default var99) are undefined and left out; the solvency check is breached instead.
 */
export function checkLimits(metrics: RiskMetrics, limits?: RiskLimits | null): LimitCheck[] {
  const given = limits ?? {};
  const navPositive = metrics.nav > 0;
  const checks: LimitCheck[] = [
    {
      limit: 'solvency',
      value: metrics.nav,
      threshold: 0,
      utilisation: navPositive ? 0 : INSOLVENT_UTILISATION,
      breached: !navPositive,
      unit: 'money',
      source: 'default',
    },
  ];
  if (navPositive) {
    checks.push(
      check('maxWeight', metrics.maxWeight, given.maxWeight, DEFAULT_LIMITS.maxWeight, 'ratio'),
    );
  }
  const var99Default = navPositive
    ? roundCents(new Money(metrics.nav).times(DEFAULT_LIMITS.var99NavFraction)).toNumber()
    : undefined;
  if (given.var99 !== undefined || var99Default !== undefined) {
    checks.push(check('var99', metrics.var99, given.var99, var99Default ?? 0, 'money'));
  }
  if (given.es99 !== undefined) {
    checks.push(check('es99', metrics.es99, given.es99, 0, 'money'));
  }
  checks.push(
    check('maxDrawdown', metrics.drawdown, given.maxDrawdown, DEFAULT_LIMITS.maxDrawdown, 'ratio'),
  );
  if (navPositive) {
    checks.push(
      check(
        'maxGrossLeverage',
        new Money(metrics.grossExposure).div(metrics.nav).toNumber(),
        given.maxGrossLeverage,
        DEFAULT_LIMITS.maxGrossLeverage,
        'ratio',
      ),
    );
  }
  return checks;
}

function check(
  limit: LimitName,
  value: number,
  given: number | undefined,
  fallback: number,
  unit: 'ratio' | 'money',
): LimitCheck {
  const threshold = given ?? fallback;
  return {
    limit,
    value,
    threshold,
    utilisation: utilisation(value, threshold),
    breached: value > threshold,
    unit,
    source: given === undefined ? 'default' : 'portfolio',
  };
}

function utilisation(value: number, threshold: number): number {
  if (threshold <= 0) return value > 0 ? UTILISATION_CAP : 0;
  return Math.min(Math.max(value / threshold, 0), UTILISATION_CAP);
}

/** Names of limits breached now that were not breached before (null: no previous evaluation). */
export function newlyBreached(
  previousBreached: readonly string[] | null,
  checks: readonly LimitCheck[],
): LimitName[] {
  const before = new Set(previousBreached ?? []);
  return checks.filter((c) => c.breached && !before.has(c.limit)).map((c) => c.limit);
}
