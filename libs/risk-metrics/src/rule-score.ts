import { levelRank, type RiskLevel } from '@risk/contracts';
import type { LimitCheck, LimitName } from './limits';

// The level scale is the contract's; re-exported so callers of the rule set need one import.
export { levelRank, RISK_LEVELS, type RiskLevel } from '@risk/contracts';

/** Lowest score of each level: LOW [0, 0.30), MEDIUM [0.30, 0.60), HIGH [0.60, 0.85), CRITICAL [0.85, 1]. */
export const LEVEL_THRESHOLDS = { MEDIUM: 0.3, HIGH: 0.6, CRITICAL: 0.85 } as const;

/** Name and version of the interim rule set, for explanation.models. */
export const RULE_SET_MODEL = 'interim-rules@1';

export function levelForScore(score: number): RiskLevel {
  if (score >= LEVEL_THRESHOLDS.CRITICAL) return 'CRITICAL';
  if (score >= LEVEL_THRESHOLDS.HIGH) return 'HIGH';
  if (score >= LEVEL_THRESHOLDS.MEDIUM) return 'MEDIUM';
  return 'LOW';
}

/**
 * Score of one utilisation u: 0.6·u up to the limit (u = 1 → 0.60, HIGH), then 0.6 + 0.5·(u − 1),
 * so u = 1.5 → 0.85 (CRITICAL), capped at 1. Continuous and non-decreasing.
 */
export function utilisationScore(u: number): number {
  const x = Math.max(0, u);
  return Math.min(1, x <= 1 ? 0.6 * x : 0.6 + 0.5 * (x - 1));
}

export interface RuleScore {
  /** In [0, 1], rounded to 4 decimals; the level is read from the rounded score. */
  readonly score: number;
  readonly level: RiskLevel;
  /** The check with the largest utilisation, null when there are none. */
  readonly driver: LimitName | null;
  readonly breached: LimitName[];
  readonly reason: string;
}

/**
 * Interim rule set (until the tree ensemble): score = f(max utilisation), floored at 0.60 (HIGH)
 * by one breach and at 0.85 (CRITICAL) by two or more. Monotone in every utilisation.
 */
export function ruleScore(checks: readonly LimitCheck[]): RuleScore {
  let driver: LimitCheck | null = null;
  for (const c of checks) if (driver === null || c.utilisation > driver.utilisation) driver = c;
  const breached = checks.filter((c) => c.breached).map((c) => c.limit);
  let score = utilisationScore(driver?.utilisation ?? 0);
  if (breached.length >= 2) score = Math.max(score, LEVEL_THRESHOLDS.CRITICAL);
  else if (breached.length === 1) score = Math.max(score, LEVEL_THRESHOLDS.HIGH);
  score = Math.round(score * 10_000) / 10_000;
  const level = levelForScore(score);
  const reason =
    driver === null
      ? `${level}: no limits to check`
      : `${level} (score ${score.toFixed(4)}): highest utilisation ${driver.limit} ${(driver.utilisation * 100).toFixed(2)}%` +
        (breached.length > 0 ? `; breached: ${breached.join(', ')}` : '; no limit breached');
  return { score, level, driver: driver?.limit ?? null, breached, reason };
}

export interface AlertDecision {
  readonly raise: boolean;
  readonly reason: string;
}

/**
 * Alert rule: raise when the level rises (a first evaluation rises from LOW) or a limit becomes
 * breached; the same or a lower level with no new breach raises nothing.
 */
export function shouldAlert(
  previousLevel: RiskLevel | null,
  level: RiskLevel,
  newBreaches: readonly string[],
): AlertDecision {
  const baseline = previousLevel ?? 'LOW';
  const rose = levelRank(level) > levelRank(baseline);
  const parts: string[] = [];
  if (rose) {
    parts.push(
      previousLevel === null
        ? `first evaluation at ${level}`
        : `level rose from ${previousLevel} to ${level}`,
    );
  }
  if (newBreaches.length > 0) parts.push(`limit newly breached: ${newBreaches.join(', ')}`);
  return { raise: parts.length > 0, reason: parts.length > 0 ? parts.join('; ') : 'no alert' };
}
