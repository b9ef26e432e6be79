/**
 * Training-time fitting of the merge (`merge@3`, libs/scoring/src/merge.ts): the returns per
 * impact class, the logistic coefficients and the probability bands that travel in the tree
 * model's metadata (`merge_logit`, `merge_bands`).
 */
import {
  jumpLossProbability,
  logit,
  mergedProbability,
  type JumpImpacts,
  type MergeJudgement,
  type MergeLogit,
  type ProbabilityBands,
} from '@risk/scoring/merge';

/** A return at or below −6% on the position is a severe negative impact (the corpus's line). */
export const SEVERE_RETURN = -0.06;

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
 * The mean return per impact class as the judge reads it: each story's side-adjusted return
 * (`storyReturn`) weighted by the probability the judgement gave each class,
 * `r_k = Σ p_ik · ret_i / Σ p_ik` (neutral stays 0). What a judge's "severe" means depends on
 * the judge: the news understanding calls a story severe from the kind's typical move on the
 * position's share of nav, not from the position's own return (fitImpacts' −6% line). A class
 * the judge never gives gets the corpus's round figure.
 */
export function fitImpactsFromJudgements(
  returns: ArrayLike<number>,
  probs: ArrayLike<readonly number[]>,
): JumpImpacts {
  const sum = [0, 0, 0];
  const w = [0, 0, 0];
  const cls = [0, 1, 3]; // severe, negative, positive columns of [severe, negative, neutral, positive]
  for (let i = 0; i < returns.length; i++) {
    for (let k = 0; k < 3; k++) {
      const p = probs[i][cls[k]];
      sum[k] += p * returns[i];
      w[k] += p;
    }
  }
  const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;
  const mean = (k: number, fallback: number): number =>
    w[k] > 1e-9 ? r6(sum[k] / w[k]) : fallback;
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

/** The rows the merge is fitted on: the held-out evaluations and the trees' probability of each. */
export interface MergeFitRow {
  judgement: MergeJudgement | null;
  sigma: number;
  bad: 0 | 1;
}

/**
 * The merge, calibrated on the held-out runs: with the impact classes' returns measured on the
 * training runs' stories (fitImpactsFromJudgements), the coefficients of trees and jump-diffusion
 * probability, then the bands on the merged probability at the multiples of the training bad rate.
 */
export function calibrateMerge(
  pTrees: readonly number[],
  rows: readonly MergeFitRow[],
  impacts: JumpImpacts,
  trainBadRate: number,
): { mergeLogit: MergeLogit; bands: ProbabilityBands } {
  const bad = rows.map((r) => r.bad);
  const mergeLogit: MergeLogit = {
    ...fitMergeLogit(
      pTrees,
      rows.map((r) => jumpLossProbability(r.sigma, r.judgement, impacts).probability),
      bad,
    ),
    impacts,
  };
  const bands = bandsFromOutcomes(
    pTrees.map((p, i) => mergedProbability(p, rows[i].judgement, mergeLogit, rows[i].sigma)),
    bad,
    trainBadRate,
  );
  return { mergeLogit, bands };
}
