import type { ExplanationStep, RiskLevel, RiskMetricsRecord } from '@risk/contracts';
import { LOSS_PROBABILITY_TEXT } from '@risk/contracts/loss-label';
import {
  DEFAULT_RISK_MODEL_CONFIG,
  RULE_SET_MODEL,
  checkLimits,
  computePortfolioMetrics,
  explainMetrics,
  newlyBreached,
  positionsToExplain,
  ruleScore,
  shouldAlert,
  type LimitCheck,
  type LimitName,
  type MarketView,
  type PortfolioMetricsResult,
  type RiskLimits,
  type RuleScore,
} from '@risk/risk-metrics';
import { distanceSteps, distancesToLimits } from './distance-to-limit';
import {
  MERGE_MODEL,
  horizonSigma,
  mergeDecision,
  type MergeJudgement,
  type MergeLogit,
  type ProbabilityBands,
} from './merge';
import { reasoningSteps, type ReasoningJudgement } from './reasoning-steps';

export interface PortfolioContext {
  portfolioId: string;
  cash: number;
  positions: readonly { symbol: string; quantity: number; price?: number }[];
  limits: RiskLimits | null;
  peakNav: number | null;
  previousLevel: RiskLevel | null;
  previousBreaches: readonly string[];
}

export interface EvaluationDraft {
  score: number;
  level: RiskLevel;
  metrics: RiskMetricsRecord;
  steps: ExplanationStep[];
  models: Record<string, string>;
  /** Positions the explanation leaves unnamed (0: it names every one). */
  truncatedPositions: number;
  peakNav: number;
  breaches: string[];
  /** Set when the evaluation raises an alert (level rise or a newly breached limit). */
  alertReason: string | null;
}

export interface EvaluateOptions {
  /** Trading days of market time before a volatility is warm (the book's config). */
  warmupDays?: number;
  defaultAnnualVol?: number;
  /** Scales the one-day σ to the merge's 10-minute horizon (DEFAULT_RISK_MODEL_CONFIG's if absent). */
  tradingSecondsPerDay?: number;
  /** Steps placed first (what triggered the evaluation). */
  context?: ExplanationStep[];
  /** The reasoning engine's judgement of the news that triggered the evaluation. */
  reasoning?: ReasoningJudgement;
  /** The tree ensemble's verdict on this evaluation's features (none: the interim rules decide). */
  tree?: TreeVerdict | null;
  /** The portfolio's latest news judgement (for the merge's news floor). */
  news?: { pSevereNegative: number; sharePct: number; newsId: string } | null;
  /** The portfolio's latest news judgement with its age (the merge's jump-diffusion probability). */
  judgement?: MergeJudgement | null;
}

export interface TreeVerdict {
  modelId: string;
  featuresVersion: string;
  probability: number;
  expectedValue: number;
  top: readonly { feature: string; value: number; shap: number }[];
  paths: readonly string[];
  /** The model's calibrated probability bands (metadata `merge_bands`), if it carries them. */
  bands?: ProbabilityBands | null;
  /** The merge's calibrated coefficients (metadata `merge_logit`), if it carries them. */
  mergeLogit?: MergeLogit | null;
}

/** Phase 1 of an evaluation: everything that does not need a model. */
export interface Assessment {
  result: PortfolioMetricsResult;
  checks: LimitCheck[];
  rules: RuleScore;
  fresh: LimitName[];
}

/** Metrics, limit checks and the interim rules' score (pure). */
export function assessPortfolio(ctx: PortfolioContext, market: MarketView): Assessment {
  const result = computePortfolioMetrics(
    {
      cash: ctx.cash,
      positions: ctx.positions.map((p) => ({
        symbol: p.symbol,
        quantity: p.quantity,
        mark: p.price,
      })),
    },
    market,
    ctx.peakNav,
  );
  const checks = checkLimits(result.metrics, ctx.limits);
  return {
    result,
    checks,
    rules: ruleScore(checks),
    fresh: newlyBreached(ctx.previousBreaches, checks),
  };
}

const pts = (x: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(2)} pts`;

/** `tree` steps: the trees' probability, their top contributions (TreeSHAP) and a decision path. */
export function treeSteps(t: TreeVerdict): ExplanationStep[] {
  const steps: ExplanationStep[] = [
    {
      kind: 'tree',
      text:
        `trees ${t.modelId}: ${LOSS_PROBABILITY_TEXT} = ${(t.probability * 100).toFixed(2)}% ` +
        `= expected ${(t.expectedValue * 100).toFixed(2)}% ` +
        t.top
          .map((c) => `${pts(c.shap)} (${c.feature} ${Number(c.value.toPrecision(4))})`)
          .join(' ') +
        (t.top.length > 0 ? ' + the rest' : ''),
      data: {
        model: t.modelId,
        features: t.featuresVersion,
        probability: t.probability,
        expectedValue: t.expectedValue,
        top: t.top,
      },
    },
  ];
  for (const path of t.paths) steps.push({ kind: 'tree', text: path, data: { model: t.modelId } });
  return steps;
}

/**
 * Phase 2: the decision and the whole explanation chain, in order — context, metric steps,
 * limit checks, distance to limits, reasoning, trees, decision (pure).
 */
export function decideEvaluation(
  ctx: PortfolioContext,
  market: MarketView,
  a: Assessment,
  options: EvaluateOptions = {},
): EvaluationDraft {
  const { result, checks, rules, fresh } = a;
  const merged = mergeDecision({
    treeProbability: options.tree ? options.tree.probability : null,
    rules,
    checks,
    news: options.news ?? null,
    bands: options.tree?.bands ?? null,
    logit: options.tree?.mergeLogit ?? null,
    judgement: options.judgement ?? null,
    sigma: horizonSigma(
      result.sigmaDay,
      result.metrics.nav,
      options.tradingSecondsPerDay ?? DEFAULT_RISK_MODEL_CONFIG.tradingSecondsPerDay,
    ),
  });
  const level = merged.level;
  const alert = shouldAlert(ctx.previousLevel, level, fresh);
  const steps: ExplanationStep[] = [
    ...(options.context ?? []),
    ...explainMetrics(result, checks, {
      warmupDays: options.warmupDays,
      defaultAnnualVol: options.defaultAnnualVol,
    }),
    ...distanceSteps(distancesToLimits(result, checks, market, result.peakNav)),
    ...(options.reasoning ? reasoningSteps(options.reasoning) : []),
    ...(options.tree ? treeSteps(options.tree) : []),
    merged.step,
  ];
  const m = result.metrics;
  const models: Record<string, string> = options.tree
    ? { tree: options.tree.modelId, merge: MERGE_MODEL, limits: RULE_SET_MODEL }
    : { rules: RULE_SET_MODEL };
  if (options.reasoning) models.reasoning = options.reasoning.model;
  return {
    score: merged.score,
    level,
    metrics: {
      nav: m.nav,
      grossExposure: m.grossExposure,
      netExposure: m.netExposure,
      maxWeight: m.maxWeight,
      maxWeightSymbol: m.maxWeightSymbol,
      hhi: m.hhi,
      var99: m.var99,
      es99: m.es99,
      volAnnualized: m.volAnnualized,
      drawdown: m.drawdown,
      unpriced: m.unpriced,
    },
    steps,
    models,
    truncatedPositions: positionsToExplain(result).truncated,
    peakNav: result.peakNav,
    breaches: rules.breached,
    alertReason: alert.raise ? alert.reason : null,
  };
}

/** One evaluation without models beyond what `options` carries (tests, the rules-only path). */
export function evaluatePortfolio(
  ctx: PortfolioContext,
  market: MarketView,
  options: EvaluateOptions = {},
): EvaluationDraft {
  return decideEvaluation(ctx, market, assessPortfolio(ctx, market), options);
}
