import type { ExplanationStep, RiskLevel } from '@risk/contracts';
import type { LimitCheck, RuleScore } from '@risk/risk-metrics';

/**
 * The merge rule (`merge@1`, docs/tree-scoring.md § Merge):
 * - score = the tree ensemble's P(loss > 2% of nav within 10 minutes), which already sees the
 *   reasoning engine's judgement of the latest news about held symbols as features; it is a
 *   probability, so its Brier score is meaningful;
 * - level = the highest of: the probability band of the score, the hard-limit floor (one breach
 *   → HIGH, two or more or insolvency → CRITICAL: the interim rules' own floors), and the news
 *   floor (the reasoning engine gives severe negative ≥ 50% on a position of ≥ 2% of nav →
 *   at least MEDIUM);
 * - without a tree model the interim rules decide alone.
 *
 * The bands are set at about 1.7×, 2.5× and 4× the training base rate (≈ 0.12): MEDIUM from
 * 0.20, HIGH from 0.30, CRITICAL from 0.50. bench:scoring prints the observed bad-outcome rate
 * per band; on the simulated books (which breach their weight limits most of the time) the limit
 * floors set most levels, so the bands are not yet calibrated on data (docs/tree-scoring.md).
 */
export const MERGE_MODEL = 'merge@1';
export const PROBABILITY_BANDS: Readonly<Record<Exclude<RiskLevel, 'LOW'>, number>> = {
  MEDIUM: 0.2,
  HIGH: 0.3,
  CRITICAL: 0.5,
};
export const NEWS_FLOOR = { pSevereNegative: 0.5, minSharePct: 2 } as const;

const RANK: Record<RiskLevel, number> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };
const max = (a: RiskLevel, b: RiskLevel): RiskLevel => (RANK[b] > RANK[a] ? b : a);

export function bandOf(p: number): RiskLevel {
  if (p >= PROBABILITY_BANDS.CRITICAL) return 'CRITICAL';
  if (p >= PROBABILITY_BANDS.HIGH) return 'HIGH';
  if (p >= PROBABILITY_BANDS.MEDIUM) return 'MEDIUM';
  return 'LOW';
}

/** Level floor from the hard limits alone. */
export function limitFloor(checks: readonly LimitCheck[]): {
  level: RiskLevel;
  breached: string[];
} {
  const breached = checks.filter((c) => c.breached).map((c) => c.limit);
  const insolvent = breached.includes('solvency');
  const level: RiskLevel =
    insolvent || breached.length >= 2 ? 'CRITICAL' : breached.length === 1 ? 'HIGH' : 'LOW';
  return { level, breached };
}

export interface MergeInput {
  /** P(bad) from the trees; null when no tree model is loaded. */
  treeProbability: number | null;
  rules: RuleScore;
  checks: readonly LimitCheck[];
  /** The latest news judgement for the portfolio, if any. */
  news?: { pSevereNegative: number; sharePct: number; newsId: string } | null;
}

export interface MergeResult {
  score: number;
  level: RiskLevel;
  step: ExplanationStep;
}

export function mergeDecision(input: MergeInput): MergeResult {
  if (input.treeProbability === null) {
    return {
      score: input.rules.score,
      level: input.rules.level,
      step: {
        kind: 'decision',
        text: input.rules.reason,
        data: { model: input.rules, merge: 'rules-only' },
      },
    };
  }
  const p = Math.min(1, Math.max(0, input.treeProbability));
  const score = Math.round(p * 10_000) / 10_000;
  const band = bandOf(score);
  const floor = limitFloor(input.checks);
  const newsFloor: RiskLevel =
    input.news &&
    input.news.pSevereNegative >= NEWS_FLOOR.pSevereNegative &&
    input.news.sharePct >= NEWS_FLOOR.minSharePct
      ? 'MEDIUM'
      : 'LOW';
  const level = max(max(band, floor.level), newsFloor);
  const parts = [`P(loss > 2% of nav in 10 min) = ${(score * 100).toFixed(2)}% → ${band}`];
  if (floor.level !== 'LOW')
    parts.push(`limits breached (${floor.breached.join(', ')}) → at least ${floor.level}`);
  if (newsFloor !== 'LOW')
    parts.push(`news ${input.news!.newsId} judged severe negative → at least MEDIUM`);
  return {
    score,
    level,
    step: {
      kind: 'decision',
      text: `${level} (score ${score.toFixed(4)}): ${parts.join('; ')}`,
      data: {
        score,
        level,
        band,
        limitFloor: floor.level,
        breached: floor.breached,
        newsFloor,
        bands: PROBABILITY_BANDS,
        merge: MERGE_MODEL,
      },
    },
  };
}
