import type { ExplanationStep, RiskLevel } from '@risk/contracts';
import type { LimitCheck, RuleScore } from '@risk/risk-metrics';
import normalCdf from '@stdlib/stats-base-dists-normal-cdf';
import { NEWS_AGE_CAP_S } from './trees/features';

/**
 * The merge rule (`merge@3`, docs/tree-scoring.md § Merge):
 * - score = P(loss > 2% of nav within 10 minutes): the tree ensemble's probability (its features
 *   include the reasoning engine's judgement of the latest news about held symbols) merged by a
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
 * models/scripts/train-trees.ts sets MEDIUM, HIGH and CRITICAL where the observed bad rate on the
 * held-out runs reaches 2×, 4× and 8× the training base rate (a relative risk a desk can act on;
 * `bandsFromOutcomes`) and reports the bad rate per band on the test runs. PROBABILITY_BANDS is
 * only the fallback for a tree model without that metadata (one trained elsewhere).
 */
export const MERGE_MODEL = 'merge@3';
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

/**
 * The merge's calibrated combination (`merge@3`, metadata `merge_logit`, fitted by train-trees on
 * the held-out runs) of the trees' probability and the jump-diffusion probability of the book
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
/** The label the score is a probability of: loss > 2% of nav within 10 minutes. */
export const LOSS_THRESHOLD = 0.02;
export const LOSS_HORIZON_S = 600;
/** A return at or below −6% on the position is a severe negative impact (the corpus's line). */
export const SEVERE_RETURN = -0.06;

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

/**
 * The mean return per impact class of the story's position (`ret` = side-adjusted simple return
 * of its jump, 0 for a story without one): severe ≤ SEVERE_RETURN < negative < 0 < positive.
 * A class without examples gets the corpus's round figure (−10%, −3%, +4%).
 */
export function fitImpacts(returns: ArrayLike<number>): JumpImpacts {
  const sum = [0, 0, 0];
  const n = [0, 0, 0];
  for (let i = 0; i < returns.length; i++) {
    const r = returns[i];
    const k = r <= SEVERE_RETURN ? 0 : r < 0 ? 1 : r > 0 ? 2 : -1;
    if (k < 0) continue;
    sum[k] += r;
    n[k]++;
  }
  const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
  const mean = (k: number, fallback: number): number => (n[k] > 0 ? r6(sum[k] / n[k]) : fallback);
  return { severe: mean(0, -0.1), negative: mean(1, -0.03), positive: mean(2, 0.04) };
}

/**
 * Fits intercept, tree and jump by Newton–Raphson with step halving on the log-loss (logistic
 * regression on `logit(p_trees)` and `logit(p_jump)`, a small ridge of `l2` on the two slopes but
 * not the intercept). Rows: the trees' probability, the jump-diffusion probability, the outcome.
 */
export function fitMergeLogit(
  pTree: ArrayLike<number>,
  pJump: ArrayLike<number>,
  labels: ArrayLike<number>,
  l2 = 1e-3,
  iterations = 100,
): Omit<MergeLogit, 'impacts'> {
  const n = pTree.length;
  const X = Array.from({ length: n }, (_, i) => [1, logit(pTree[i]), logit(pJump[i])]);
  const k = 3;
  const loss = (w: number[]): number => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const z = w[0] * X[i][0] + w[1] * X[i][1] + w[2] * X[i][2];
      total += Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - labels[i] * z;
    }
    return total + 0.5 * l2 * n * (w[1] * w[1] + w[2] * w[2]);
  };
  let w = [0, 1, 0];
  let current = loss(w);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(k).fill(0);
    const H = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < n; i++) {
      const x = X[i];
      const p = 1 / (1 + Math.exp(-(w[0] * x[0] + w[1] * x[1] + w[2] * x[2])));
      const r = p - labels[i];
      const v = p * (1 - p);
      for (let a = 0; a < k; a++) {
        g[a] += r * x[a];
        for (let b = 0; b < k; b++) H[a][b] += v * x[a] * x[b];
      }
    }
    for (let a = 1; a < k; a++) {
      g[a] += l2 * n * w[a];
      H[a][a] += l2 * n;
    }
    for (let a = 0; a < k; a++) H[a][a] += 1e-9;
    const step = solve(H, g);
    let t = 1;
    let next = w.map((v, a) => v - step[a]);
    let nextLoss = loss(next);
    while (!(nextLoss <= current) && t > 1e-8) {
      t /= 2;
      next = w.map((v, a) => v - t * step[a]);
      nextLoss = loss(next);
    }
    if (!(nextLoss <= current)) break;
    const converged = current - nextLoss < 1e-10 * Math.max(1, current);
    w = next;
    current = nextLoss;
    if (converged) break;
  }
  const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
  return { intercept: r6(w[0]), tree: r6(w[1]), jump: r6(w[2]) };
}

/** Gaussian elimination with partial pivoting (small dense systems). */
function solve(A: number[][], b: number[]): number[] {
  const k = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
    [M[c], M[piv]] = [M[piv], M[c]];
    const d = M[c][c] || 1e-12;
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = M[r][c] / d;
      for (let j = c; j <= k; j++) M[r][j] -= f * M[c][j];
    }
  }
  return M.map((row, i) => row[k] / (M[i][i] || 1e-12));
}

/** Reads `merge_logit` metadata (JSON, merge@3); null when absent, malformed or of an earlier merge. */
export function parseMergeLogit(json: string | undefined): MergeLogit | null {
  if (json === undefined) return null;
  try {
    const c = JSON.parse(json) as Record<string, unknown>;
    const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
    const impacts = c.impacts as Record<string, unknown> | undefined;
    if (!finite(c.intercept) || !finite(c.tree) || !finite(c.jump)) return null;
    if (
      !impacts ||
      !finite(impacts.severe) ||
      !finite(impacts.negative) ||
      !finite(impacts.positive)
    )
      return null;
    return {
      intercept: c.intercept,
      tree: c.tree,
      jump: c.jump,
      impacts: { severe: impacts.severe, negative: impacts.negative, positive: impacts.positive },
    };
  } catch {
    return null;
  }
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
  const L = `${LOSS_THRESHOLD * 100}%`;
  if (jump.share === 0 && jump.terms.length === 1)
    return `book σ over 10 min ${pct(sigma)} of nav, no fresh news: jump-diffusion = Φ(−${L} / σ) ≈ ${pct(jump.probability)}`;
  const parts = jump.terms
    .filter((t) => t.probability >= 0.0005) // the terms that show at 3 decimals
    .map(
      (t) =>
        `${t.probability.toFixed(3)} · Φ((${signed(-jump.share * t.ret)} − ${L}) / ${pct(sigma)}) [${t.impact}]`,
    );
  return `book σ over 10 min ${pct(sigma)} of nav, news on ${pct(jump.share)} of nav: jump-diffusion = Σ p · Φ((−s · r − ${L}) / σ) ≈ ${parts.join(' + ')} ≈ ${pct(jump.probability)}`;
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
  const parts = [`P(loss > 2% of nav in 10 min) = ${(score * 100).toFixed(2)}% (${how}) → ${band}`];
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
