import type { ExplanationStep, RiskLevel, RiskMetricsRecord } from '@risk/contracts';
import {
  RULE_SET_MODEL,
  checkLimits,
  computePortfolioMetrics,
  explainMetrics,
  newlyBreached,
  ruleScore,
  shouldAlert,
  type MarketView,
  type RiskLimits,
} from '@risk/risk-metrics';

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
  peakNav: number;
  breaches: string[];
  /** Set when the evaluation raises an alert (level rise or a newly breached limit). */
  alertReason: string | null;
}

export interface EvaluateOptions {
  warmupBuckets?: number;
  defaultAnnualVol?: number;
  /** Extra steps placed before the decision (e.g. what triggered the evaluation). */
  context?: ExplanationStep[];
}

/**
 * One evaluation, pure: metrics → limit checks → score and level → alert decision, with every
 * step of the explanation. The interim rule set scores until the tree ensemble lands.
 */
export function evaluatePortfolio(
  ctx: PortfolioContext,
  market: MarketView,
  options: EvaluateOptions = {},
): EvaluationDraft {
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
  const rules = ruleScore(checks);
  const fresh = newlyBreached(ctx.previousBreaches, checks);
  const level = rules.level;
  const alert = shouldAlert(ctx.previousLevel, level, fresh);
  const steps: ExplanationStep[] = [
    ...(options.context ?? []),
    ...explainMetrics(result, checks, {
      warmupBuckets: options.warmupBuckets,
      defaultAnnualVol: options.defaultAnnualVol,
    }),
    {
      kind: 'decision',
      text: rules.reason,
      data: {
        score: rules.score,
        level,
        driver: rules.driver,
        breached: rules.breached,
        previousLevel: ctx.previousLevel,
      },
    },
  ];
  const m = result.metrics;
  return {
    score: rules.score,
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
    models: { rules: RULE_SET_MODEL },
    peakNav: result.peakNav,
    breaches: rules.breached,
    alertReason: alert.raise ? alert.reason : null,
  };
}
