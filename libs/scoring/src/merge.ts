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
 * models/scripts/train-trees.ts sets MEDIUM, HIGH and CRITICAL where the observed bad rate on the
 * held-out runs reaches 2×, 4× and 8× the training base rate (a relative risk a desk can act on;
 * `bandsFromOutcomes`) and reports the bad rate per band on the test runs. PROBABILITY_BANDS is
 * only the fallback for a tree model without that metadata (one trained elsewhere).
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

/**
 * Bands calibrated on outcomes (train-trees, on the held-out runs): each band starts at the
 * lowest score above which the observed bad rate is still at least its multiple of `baseRate`,
 * among at least `minCount` evaluations; a band no score reaches starts at 1 (only the floors
 * can set it). Corrects for a forest's probabilities being shrunk towards the base rate.
 */
export function bandsFromOutcomes(
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  baseRate: number,
  minCount = 30,
): ProbabilityBands {
  const order = Array.from({ length: scores.length }, (_, i) => i).sort(
    (a, b) => scores[b] - scores[a],
  );
  const at = (multiple: number): number => {
    const target = multiple * baseRate;
    let bad = 0;
    let threshold = 1;
    for (let k = 0; k < order.length; k++) {
      bad += labels[order[k]];
      const n = k + 1;
      // Only between distinct scores: a threshold takes every row with that score.
      const next = order[k + 1];
      if (next !== undefined && scores[next] === scores[order[k]]) continue;
      if (n >= minCount && bad / n >= target) threshold = scores[order[k]];
    }
    return Math.round(Math.min(1, threshold) * 10_000) / 10_000;
  };
  const medium = at(BAND_MULTIPLES.MEDIUM);
  const high = Math.max(medium, at(BAND_MULTIPLES.HIGH));
  return { MEDIUM: medium, HIGH: high, CRITICAL: Math.max(high, at(BAND_MULTIPLES.CRITICAL)) };
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
