import type { ExplanationStep, RiskLevel } from '@risk/contracts';
import type { LimitCheck, RuleScore } from '@risk/risk-metrics';
import { NEWS_AGE_CAP_S } from './trees/features';

/**
 * The merge rule (`merge@2`, docs/tree-scoring.md § Merge):
 * - score = P(loss > 2% of nav within 10 minutes): the tree ensemble's probability (its features
 *   include the reasoning engine's judgement of the latest news about held symbols) merged with
 *   that judgement by a logistic rule fitted on held-out runs (MergeLogit, metadata
 *   `merge_logit`); without the coefficients, the trees' probability as is. A probability, so its
 *   Brier score is meaningful;
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

/**
 * The merge's calibrated combination of the trees and the reasoning judgement (metadata
 * `merge_logit`, fitted by train-trees on the held-out runs):
 * `P = σ(intercept + tree · logit(p_trees) + severe · s · p_sev + negative · s · p_neg + positive · s · p_pos)`
 * with `s` the share of nav (fraction) of the position the latest news is about, for news younger
 * than the judgement window; without fresh news the judgement terms are 0 and the rule is a
 * Platt recalibration of the trees' probability.
 */
export interface MergeLogit {
  intercept: number;
  tree: number;
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

const P_EPS = 1e-4;
const logit = (p: number): number => {
  const q = Math.min(1 - P_EPS, Math.max(P_EPS, p));
  return Math.log(q / (1 - q));
};

/** The judgement terms [s·p_sev, s·p_neg, s·p_pos]; zeros without fresh news. */
export function judgementTerms(j: MergeJudgement | null | undefined): [number, number, number] {
  if (!j || !(j.ageMs >= 0 && j.ageMs < JUDGEMENT_WINDOW_MS)) return [0, 0, 0];
  const s = Math.min(1, Math.max(0, j.sharePct / 100));
  return [s * j.pSevereNegative, s * j.pNegative, s * j.pPositive];
}

/** The merged probability (see MergeLogit). */
export function mergedProbability(
  pTree: number,
  j: MergeJudgement | null | undefined,
  c: MergeLogit,
): number {
  const [xs, xn, xp] = judgementTerms(j);
  const z = c.intercept + c.tree * logit(pTree) + c.severe * xs + c.negative * xn + c.positive * xp;
  return 1 / (1 + Math.exp(-z));
}

/**
 * Fits MergeLogit by Newton–Raphson on the log-loss (logistic regression, a small ridge of
 * `l2` on the coefficients but not the intercept for stability). Rows: the trees' probability,
 * the judgement (or null) and the outcome.
 */
export function fitMergeLogit(
  pTree: ArrayLike<number>,
  judgements: readonly (MergeJudgement | null)[],
  labels: ArrayLike<number>,
  l2 = 1e-3,
  iterations = 50,
): MergeLogit {
  const n = pTree.length;
  const X = Array.from({ length: n }, (_, i) => [
    1,
    logit(pTree[i]),
    ...judgementTerms(judgements[i]),
  ]);
  const w = [0, 1, 0, 0, 0];
  const k = w.length;
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(k).fill(0);
    const H = Array.from({ length: k }, () => new Array<number>(k).fill(0));
    for (let i = 0; i < n; i++) {
      const x = X[i];
      let z = 0;
      for (let a = 0; a < k; a++) z += w[a] * x[a];
      const p = 1 / (1 + Math.exp(-z));
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
    const step = solve(H, g);
    let size = 0;
    for (let a = 0; a < k; a++) {
      w[a] -= step[a];
      size = Math.max(size, Math.abs(step[a]));
    }
    if (size < 1e-10) break;
  }
  const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
  return {
    intercept: r6(w[0]),
    tree: r6(w[1]),
    severe: r6(w[2]),
    negative: r6(w[3]),
    positive: r6(w[4]),
  };
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

/** Reads `merge_logit` metadata (JSON); null when absent or malformed. */
export function parseMergeLogit(json: string | undefined): MergeLogit | null {
  if (json === undefined) return null;
  try {
    const c = JSON.parse(json) as Record<string, unknown>;
    const keys = ['intercept', 'tree', 'severe', 'negative', 'positive'] as const;
    if (!keys.every((key) => typeof c[key] === 'number' && Number.isFinite(c[key]))) return null;
    return Object.fromEntries(keys.map((key) => [key, c[key] as number])) as unknown as MergeLogit;
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
  /** The portfolio's latest news judgement, for the coefficients' judgement terms. */
  judgement?: MergeJudgement | null;
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
  const pTree = Math.min(1, Math.max(0, input.treeProbability));
  const p = input.logit ? mergedProbability(pTree, input.judgement, input.logit) : pTree;
  const score = Math.round(p * 10_000) / 10_000;
  const terms = judgementTerms(input.judgement);
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
  const how = !input.logit
    ? 'trees'
    : terms.some((t) => t !== 0)
      ? `trees ${(pTree * 100).toFixed(2)}% recalibrated with the news judgement (severe ${(terms[0] * 100).toFixed(2)}, negative ${(terms[1] * 100).toFixed(2)}, positive ${(terms[2] * 100).toFixed(2)} % of nav-weighted)`
      : `trees ${(pTree * 100).toFixed(2)}% recalibrated`;
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
        ...(input.logit ? { logit: input.logit, judgementTerms: terms } : {}),
        merge: MERGE_MODEL,
      },
    },
  };
}
