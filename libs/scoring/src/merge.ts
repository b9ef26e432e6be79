import type { ExplanationStep, RiskLevel } from '@risk/contracts';
import type { LimitCheck, RuleScore } from '@risk/risk-metrics';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import {
  LOSS_HORIZON_S,
  LOSS_HORIZON_TEXT,
  LOSS_PROBABILITY_TEXT,
  LOSS_THRESHOLD,
  LOSS_THRESHOLD_TEXT,
} from '@risk/contracts/loss-label';
import { NEWS_AGE_CAP_S } from './trees/features';

/**
 * The merge rule (`merge@3`, docs/tree-scoring.md § Merge):
 * - score = P(bad outcome), the label of @risk/contracts/loss-label: the tree ensemble's
 *   probability (its features include the reasoning engine's judgement of the latest news about
 *   held symbols) merged by a
 *   logistic rule fitted on held-out runs (MergeLogit, metadata `merge_logit`) with the book's
 *   jump-diffusion probability of that loss, in which the judgement weighs the jump each impact
 *   class brings to the story's position (jumpLossProbability); without the coefficients, the
 *   trees' probability as is. A probability, so its Brier score is meaningful;
 * - level = the highest of: the probability band of the score, the hard-limit floor (one breach
 *   → HIGH, two or more or insolvency → CRITICAL: the interim rules' own floors), and the news
 *   floor (the reasoning engine gives severe negative ≥ 50% on a position of ≥ 2% of nav →
 *   at least MEDIUM);
 * - without a tree model the interim rules decide alone.
 *
 * The bands are calibrated with the tree model and travel in its metadata (`merge_bands`):
 * tools/trees (npm run model:trees) sets MEDIUM, HIGH and CRITICAL where the observed bad rate on
 * the held-out runs reaches 2×, 4× and 8× the training base rate (a relative risk a desk can act
 * on; `bandsFromOutcomes` of tools/trees/merge-fit.ts) and reports the bad rate per band on the
 * test runs. PROBABILITY_BANDS is only the fallback for a tree model without that metadata (one trained elsewhere).
 */
export const MERGE_MODEL = 'merge@3';
export type ProbabilityBands = Readonly<Record<Exclude<RiskLevel, 'LOW'>, number>>;
export const PROBABILITY_BANDS: ProbabilityBands = {
  MEDIUM: 0.2,
  HIGH: 0.3,
  CRITICAL: 0.5,
};
/**
 * The merge's calibrated combination (`merge@3`, metadata `merge_logit`, fitted by
 * tools/trees/merge-fit.ts on the held-out runs) of the trees' probability and the jump-diffusion probability of the book
 * (jumpLossProbability, which carries the reasoning judgement):
 * `P = σ(intercept + tree · logit(p_trees) + jump · logit(p_jump))`.
 */
export interface MergeLogit {
  intercept: number;
  tree: number;
  jump: number;
  /** Mean return of the story's position per impact class (training runs; `fitImpacts`). */
  impacts: JumpImpacts;
}

/**
 * Mean simple return of the position a story is about, per impact class for the book (signed:
 * severe and negative < 0 < positive; neutral is 0), measured on the training runs.
 */
export interface JumpImpacts {
  severe: number;
  negative: number;
  positive: number;
}

/** The latest news judgement as the merge reads it. */
export interface MergeJudgement {
  pSevereNegative: number;
  pNegative: number;
  pPositive: number;
  /** Share of nav of the position the news is about, in percent. */
  sharePct: number;
  /** Event time since the news, ms. */
  ageMs: number;
}

/** How long a judgement counts in the merge: as long as in the trees' features (risk-features@2). */
export const JUDGEMENT_WINDOW_MS = NEWS_AGE_CAP_S * 1000;

/** Probabilities enter the logit clamped to [1e-4, 1 − 1e-4]: a Gaussian tail below 0.01% is not credible. */
export const P_EPS = 1e-4;
export const logit = (p: number): number => {
  const q = Math.min(1 - P_EPS, Math.max(P_EPS, p));
  return Math.log(q / (1 - q));
};

/** The judgement when it still counts (younger than the window), else null. */
export function freshJudgement(j: MergeJudgement | null | undefined): MergeJudgement | null {
  return j && j.ageMs >= 0 && j.ageMs < JUDGEMENT_WINDOW_MS ? j : null;
}

/**
 * σ of the book's value over the label's horizon, as a fraction of nav:
 * `σ_day / nav · √(horizon / trading seconds per day)` (the EWMA one-day σ, square-root-of-time).
 * 0 when nav ≤ 0 (the solvency floor decides such a book).
 */
export function horizonSigma(
  sigmaDay: number,
  nav: number,
  tradingSecondsPerDay: number,
  horizonS = LOSS_HORIZON_S,
): number {
  if (!(nav > 0) || !(sigmaDay > 0)) return 0;
  return (sigmaDay / nav) * Math.sqrt(horizonS / tradingSecondsPerDay);
}

export interface JumpLossTerm {
  /** Impact class, its probability from the judgement and the position's return it stands for. */
  impact: 'severe_negative' | 'negative' | 'neutral' | 'positive';
  probability: number;
  ret: number;
  /** P(loss > L) given that class: Φ((−s·ret − L) / σ). */
  pLoss: number;
}

/**
 * P(loss > L of nav within the horizon) for a book whose value moves as N(0, σ²) over the horizon
 * plus, while a story's judgement is fresh, a jump of `s · ret_k` with probability `p_k` per impact
 * class (s = the story's position as a fraction of nav, ret_k = `impacts`, neutral 0):
 * `P = Σ_k p_k · Φ((−s · ret_k − L) / σ)`; without a fresh judgement `Φ(−L / σ)`. With σ = 0 each
 * Φ is the indicator of a positive argument.
 */
export function jumpLossProbability(
  sigma: number,
  judgement: MergeJudgement | null | undefined,
  impacts: JumpImpacts,
  threshold = LOSS_THRESHOLD,
): { probability: number; share: number; terms: JumpLossTerm[] } {
  const phi = (x: number): number => (sigma > 0 ? normalCdf(x / sigma, 0, 1) : x > 0 ? 1 : 0);
  const j = freshJudgement(judgement);
  if (j === null) {
    const p = phi(-threshold);
    return {
      probability: p,
      share: 0,
      terms: [{ impact: 'neutral', probability: 1, ret: 0, pLoss: p }],
    };
  }
  const share = Math.min(1, Math.max(0, j.sharePct / 100));
  const pNeutral = Math.max(0, 1 - j.pSevereNegative - j.pNegative - j.pPositive);
  const classes: [JumpLossTerm['impact'], number, number][] = [
    ['severe_negative', j.pSevereNegative, impacts.severe],
    ['negative', j.pNegative, impacts.negative],
    ['neutral', pNeutral, 0],
    ['positive', j.pPositive, impacts.positive],
  ];
  const terms = classes.map(([impact, probability, ret]) => ({
    impact,
    probability,
    ret,
    pLoss: phi(-share * ret - threshold),
  }));
  return {
    probability: terms.reduce((a, t) => a + t.probability * t.pLoss, 0),
    share,
    terms,
  };
}

/** The merged probability (see MergeLogit); `sigma` = horizonSigma of the book. */
export function mergedProbability(
  pTree: number,
  j: MergeJudgement | null | undefined,
  c: MergeLogit,
  sigma: number,
): number {
  return mergeLogits(pTree, jumpLossProbability(sigma, j, c.impacts).probability, c);
}

/** `σ(intercept + tree · logit(p_trees) + jump · logit(p_jump))`. */
export function mergeLogits(
  pTree: number,
  pJump: number,
  c: Pick<MergeLogit, 'intercept' | 'tree' | 'jump'>,
): number {
  return 1 / (1 + Math.exp(-(c.intercept + c.tree * logit(pTree) + c.jump * logit(pJump))));
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
  /** The tree model's merge coefficients (`merge_logit`); the trees' probability as is if absent. */
  logit?: MergeLogit | null;
  /** The portfolio's latest news judgement, for the jump-diffusion probability. */
  judgement?: MergeJudgement | null;
  /** σ of the book's value over the horizon as a fraction of nav (horizonSigma). */
  sigma?: number | null;
}

export interface MergeResult {
  score: number;
  level: RiskLevel;
  step: ExplanationStep;
}

const pct = (p: number): string => `${(p * 100).toFixed(2)}%`;
const signed = (x: number): string => (x === 0 ? '0' : `${x < 0 ? '−' : ''}${pct(Math.abs(x))}`);

/** The jump-diffusion probability in words, with its arithmetic. */
function jumpText(sigma: number, jump: ReturnType<typeof jumpLossProbability>): string {
  const L = LOSS_THRESHOLD_TEXT;
  if (jump.share === 0 && jump.terms.length === 1)
    return `book σ over ${LOSS_HORIZON_TEXT} ${pct(sigma)} of nav, no fresh news: jump-diffusion = Φ(−${L} / σ) ≈ ${pct(jump.probability)}`;
  const parts = jump.terms
    .filter((t) => t.probability >= 0.0005) // the terms that show at 3 decimals
    .map(
      (t) =>
        `${t.probability.toFixed(3)} · Φ((${signed(-jump.share * t.ret)} − ${L}) / ${pct(sigma)}) [${t.impact}]`,
    );
  return `book σ over ${LOSS_HORIZON_TEXT} ${pct(sigma)} of nav, news on ${pct(jump.share)} of nav: jump-diffusion = Σ p · Φ((−s · r − ${L}) / σ) ≈ ${parts.join(' + ')} ≈ ${pct(jump.probability)}`;
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
  const pTree = Math.min(1, Math.max(0, input.treeProbability));
  const sigma = input.sigma ?? 0;
  const jump = input.logit
    ? jumpLossProbability(sigma, input.judgement, input.logit.impacts)
    : null;
  const p = input.logit && jump ? mergeLogits(pTree, jump.probability, input.logit) : pTree;
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
  const how =
    !input.logit || !jump
      ? 'trees'
      : `logistic(${input.logit.intercept} + ${input.logit.tree} · logit(trees ${pct(pTree)}) + ` +
        `${input.logit.jump} · logit(jump-diffusion ${pct(jump.probability)})); ` +
        jumpText(sigma, jump);
  const parts = [`${LOSS_PROBABILITY_TEXT} = ${(score * 100).toFixed(2)}% (${how}) → ${band}`];
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
        treeProbability: pTree,
        ...(input.logit && jump
          ? { logit: input.logit, sigma, jumpProbability: jump.probability, jump: jump.terms }
          : {}),
        merge: MERGE_MODEL,
      },
    },
  };
}
