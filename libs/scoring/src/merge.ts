import type { ExplanationStep, RiskLevel } from '@risk/contracts';
import type { LimitCheck, RuleScore } from '@risk/risk-metrics';

/**
 * The merge rule (`merge@2`, docs/tree-scoring.md § Merge):
 * - score = the tree ensemble's P(loss > 2% of nav within 10 minutes), which already sees the
 *   reasoning engine's judgement of the latest news about held symbols as features; it is a
 *   probability, so its Brier score is meaningful;
 * - level = the highest of: the probability band of the score, the hard-limit floor (one breach
 *   → HIGH, two or more or insolvency → CRITICAL: the interim rules' own floors), and the news
 *   floor (the reasoning engine gives severe negative ≥ 50% on a position of ≥ 2% of nav →
 *   at least MEDIUM);
 * - without a tree model the interim rules decide alone.
 *
 * The bands are calibrated with the tree model and travel in its metadata (`merge_bands`):
 * models/scripts/train-trees.ts sets MEDIUM, HIGH and CRITICAL at 2×, 4× and 8× the training
 * base rate of bad outcomes (a relative risk a desk can act on) and reports the observed bad
 * rate per band on held-out runs. PROBABILITY_BANDS is only the fallback for a tree model
 * without that metadata (one trained elsewhere).
 */
export const MERGE_MODEL = 'merge@2';
export type ProbabilityBands = Readonly<Record<Exclude<RiskLevel, 'LOW'>, number>>;
export const PROBABILITY_BANDS: ProbabilityBands = {
  MEDIUM: 0.2,
  HIGH: 0.3,
  CRITICAL: 0.5,
};
/** Relative risk (× the training base rate) at which each band starts. */
export const BAND_MULTIPLES: ProbabilityBands = { MEDIUM: 2, HIGH: 4, CRITICAL: 8 };

/** Bands from a base rate of bad outcomes, rounded to 4 decimals (train-trees writes these). */
export function bandsFromBaseRate(baseRate: number): ProbabilityBands {
  const at = (m: number): number => Math.round(Math.min(1, m * baseRate) * 10_000) / 10_000;
  return {
    MEDIUM: at(BAND_MULTIPLES.MEDIUM),
    HIGH: at(BAND_MULTIPLES.HIGH),
    CRITICAL: at(BAND_MULTIPLES.CRITICAL),
  };
}

/** Reads `merge_bands` metadata (JSON); null when absent or not three increasing numbers in (0, 1]. */
export function parseBands(json: string | undefined): ProbabilityBands | null {
  if (json === undefined) return null;
  try {
    const b = JSON.parse(json) as Record<string, unknown>;
    const [m, h, c] = [b.MEDIUM, b.HIGH, b.CRITICAL];
    if (typeof m !== 'number' || typeof h !== 'number' || typeof c !== 'number') return null;
    if (!(m > 0 && m <= h && h <= c && c <= 1)) return null;
    return { MEDIUM: m, HIGH: h, CRITICAL: c };
  } catch {
    return null;
  }
}
export const NEWS_FLOOR = { pSevereNegative: 0.5, minSharePct: 2 } as const;

const RANK: Record<RiskLevel, number> = { LOW: 0, MEDIUM: 1, HIGH: 2, CRITICAL: 3 };
const max = (a: RiskLevel, b: RiskLevel): RiskLevel => (RANK[b] > RANK[a] ? b : a);

export function bandOf(p: number, bands: ProbabilityBands = PROBABILITY_BANDS): RiskLevel {
  if (p >= bands.CRITICAL) return 'CRITICAL';
  if (p >= bands.HIGH) return 'HIGH';
  if (p >= bands.MEDIUM) return 'MEDIUM';
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
  /** The tree model's calibrated bands (its `merge_bands` metadata); PROBABILITY_BANDS if absent. */
  bands?: ProbabilityBands | null;
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
  const bands = input.bands ?? PROBABILITY_BANDS;
  const band = bandOf(score, bands);
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
        bands,
        merge: MERGE_MODEL,
      },
    },
  };
}
