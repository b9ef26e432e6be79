/** How the merged score has done against realized outcomes (docs/risk-methodology.md § 13). */
import { LOSS_LABEL } from '@risk/contracts/loss-label';

/** One evaluation as the monitor reads it. */
export interface ScoredEvaluation {
  readonly portfolioId: string;
  /** Event time, epoch ms. */
  readonly ts: number;
  readonly score: number;
  readonly nav: number;
  /** Evaluated for a positions snapshot: the book itself changed, so nav moves are not P&L. */
  readonly rebalance: boolean;
}

export interface OutcomeRule {
  /** How long after the evaluation a loss counts (10 minutes). */
  readonly horizonMs: number;
  /** The loss, as a fraction of the evaluation's nav, that makes the outcome positive (2%). */
  readonly lossFraction: number;
}

/** The label the score is a probability of (@risk/contracts/loss-label), judged on recorded navs. */
export const DEFAULT_OUTCOME_RULE: OutcomeRule = {
  horizonMs: LOSS_LABEL.horizonMs,
  lossFraction: LOSS_LABEL.lossFraction,
};

export interface Outcome {
  readonly score: number;
  /** 1: the portfolio lost more than the rule's fraction of nav within the horizon. */
  readonly outcome: 0 | 1;
}

/**
 * Joins each evaluation to what followed: positive when a later evaluation of the same portfolio
 * within the horizon has `nav < nav₀ · (1 − lossFraction)`. An evaluation is judged only once its
 * horizon has passed (`asOf`, the newest event time seen); one with nav ≤ 0 or with a rebalance in
 * its horizon (nav moved for another reason than prices) is left out.
 */
export function realizedOutcomes(
  evaluations: readonly ScoredEvaluation[],
  asOf: number,
  rule: OutcomeRule = DEFAULT_OUTCOME_RULE,
): Outcome[] {
  const byPortfolio = new Map<string, ScoredEvaluation[]>();
  for (const e of evaluations) {
    const list = byPortfolio.get(e.portfolioId) ?? [];
    list.push(e);
    byPortfolio.set(e.portfolioId, list);
  }
  const out: Outcome[] = [];
  for (const list of byPortfolio.values()) {
    list.sort((a, b) => a.ts - b.ts);
    for (let i = 0; i < list.length; i++) {
      const e = list[i];
      const end = e.ts + rule.horizonMs;
      if (end > asOf || !(e.nav > 0)) continue;
      const floor = e.nav * (1 - rule.lossFraction);
      let lost = false;
      let rebalanced = false;
      for (let j = i + 1; j < list.length && list[j].ts <= end; j++) {
        if (list[j].rebalance) {
          rebalanced = true;
          break;
        }
        if (list[j].nav < floor) lost = true;
      }
      if (!rebalanced) out.push({ score: e.score, outcome: lost ? 1 : 0 });
    }
  }
  return out;
}

/** Brier score: mean of (p − y)²; null with no outcome. */
export function brierScore(outcomes: readonly Outcome[]): number | null {
  if (outcomes.length === 0) return null;
  return outcomes.reduce((s, o) => s + (o.score - o.outcome) ** 2, 0) / outcomes.length;
}

/**
 * Area under the ROC curve: the probability that a positive outcome's score is above a negative
 * one's (ties count half), by ranks (Mann–Whitney). Null without both outcomes.
 */
export function rocAuc(outcomes: readonly Outcome[]): number | null {
  const sorted = [...outcomes].sort((a, b) => a.score - b.score);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j < sorted.length && sorted[j].score === sorted[i].score) j++;
    // Tied scores share the mean of ranks i+1 .. j.
    const rank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++)
      if (sorted[k].outcome === 1) {
        positives++;
        rankSum += rank;
      }
    i = j;
  }
  const negatives = sorted.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

export interface CalibrationBand {
  readonly band: string;
  /** Scores in [lo, hi) (the last band includes 1). */
  readonly lo: number;
  readonly hi: number;
  readonly count: number;
  readonly meanScore: number | null;
  readonly observedRate: number | null;
}

/**
 * Probability bands of the merged score (a probability of losing 2% of nav in 10 minutes, base
 * rate a few percent: docs/tree-scoring.md), finer where most scores are.
 */
export const SCORE_BANDS: readonly { band: string; lo: number; hi: number }[] = [
  { band: '0-2%', lo: 0, hi: 0.02 },
  { band: '2-5%', lo: 0.02, hi: 0.05 },
  { band: '5-10%', lo: 0.05, hi: 0.1 },
  { band: '10-20%', lo: 0.1, hi: 0.2 },
  { band: '20-40%', lo: 0.2, hi: 0.4 },
  { band: '40-100%', lo: 0.4, hi: 1 },
];

export function calibrationByBand(
  outcomes: readonly Outcome[],
  bands = SCORE_BANDS,
): CalibrationBand[] {
  return bands.map((b, i) => {
    const last = i === bands.length - 1;
    const inBand = outcomes.filter(
      (o) => o.score >= b.lo && (o.score < b.hi || (last && o.score <= b.hi)),
    );
    const n = inBand.length;
    return {
      ...b,
      count: n,
      meanScore: n ? inBand.reduce((s, o) => s + o.score, 0) / n : null,
      observedRate: n ? inBand.reduce((s, o) => s + o.outcome, 0) / n : null,
    };
  });
}

export interface DriftRule {
  /** Largest |observed − predicted| a band may show before the score counts as drifting. */
  readonly bound: number;
  /** ... and only when the gap is this many binomial standard errors (not noise). */
  readonly minZ: number;
  /** Bands with fewer outcomes are not judged. */
  readonly minCount: number;
}

export const DEFAULT_DRIFT_RULE: DriftRule = { bound: 0.05, minZ: 3, minCount: 50 };

export interface BandDrift {
  readonly band: string;
  readonly gap: number;
  /** (observed − predicted) / √(predicted (1 − predicted) / n). */
  readonly z: number;
}

/**
 * The band whose calibration is worst (largest |observed − predicted| among bands with enough
 * outcomes) and whether it is beyond the rule: gap > bound and |z| ≥ minZ.
 */
export function calibrationDrift(
  bands: readonly CalibrationBand[],
  rule: DriftRule = DEFAULT_DRIFT_RULE,
): { worst: BandDrift | null; drifting: boolean } {
  let worst: BandDrift | null = null;
  let drifting = false;
  for (const b of bands) {
    if (b.count < rule.minCount || b.meanScore === null || b.observedRate === null) continue;
    const gap = b.observedRate - b.meanScore;
    const se = Math.sqrt(Math.max(b.meanScore * (1 - b.meanScore), 1e-12) / b.count);
    const z = gap / se;
    if (worst === null || Math.abs(gap) > Math.abs(worst.gap)) worst = { band: b.band, gap, z };
    if (Math.abs(gap) > rule.bound && Math.abs(z) >= rule.minZ) drifting = true;
  }
  return { worst, drifting };
}
