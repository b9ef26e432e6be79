import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  APP_CONFIG,
  METRICS,
  MODEL_STATUS,
  type AppConfig,
  type ModelStatusRegistry,
  type ServiceMetrics,
} from '@risk/platform';
import {
  FEATURES_VERSION,
  FEATURE_COUNT,
  TreeScorer,
  buildFeatures,
  type Assessment,
  type TreeFeatureInput,
  type TreeVerdict,
} from '@risk/scoring';
import type { EngineCore, PortfolioState } from '@risk/engine';

/** What the trees read of a portfolio at `tsMs`: its assessment, held symbols' moves, its last news. */
export function treeFeatureInput(
  core: EngineCore,
  state: PortfolioState,
  a: Assessment,
  tsMs: number,
): TreeFeatureInput {
  const n = state.lastNews;
  return {
    metrics: a.result.metrics,
    positions: a.result.positions,
    checks: a.checks,
    moveZ: core.moves.snapshot(
      tsMs,
      a.result.positions.map((p) => p.symbol),
    ),
    news: n
      ? {
          pSevereNegative: n.pSevereNegative,
          pNegative: n.pNegative,
          pNeutral: n.pNeutral,
          pPositive: n.pPositive,
          ageMs: Math.max(0, tsMs - n.tsMs),
          symbols: n.symbols,
        }
      : null,
  };
}

/**
 * The tree ensemble in the engine: features of an assessment → onnxruntime → TreeSHAP. Without
 * the model file the interim rules decide, and the evaluation's `models` says so.
 */
@Injectable()
export class TreeScoringService implements OnModuleInit, OnApplicationShutdown {
  private readonly log = new Logger(TreeScoringService.name);
  private scorer: TreeScorer | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    @Inject(MODEL_STATUS) private readonly status: ModelStatusRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const path = resolve(this.cfg.treeModelPath);
    if (!existsSync(path)) {
      this.log.warn(`tree model not found at ${path}: the interim rules decide`);
      this.status.set('trees', { model: null, reason: `no model at ${path}`, required: false });
      return;
    }
    this.scorer = await TreeScorer.load(path);
    this.log.log(`tree model ${this.scorer.modelId} (${this.scorer.featureCount} features)`);
    this.status.set('trees', { model: this.scorer.modelId, required: false });
  }

  /** After the engine drained (its beforeApplicationShutdown): nothing scores any more. */
  async onApplicationShutdown(): Promise<void> {
    await this.scorer?.release();
  }

  get modelId(): string | null {
    return this.scorer?.modelId ?? null;
  }

  async verdict(
    core: EngineCore,
    state: PortfolioState,
    a: Assessment,
    tsMs: number,
  ): Promise<TreeVerdict | null> {
    return (await this.verdicts(core, [{ state, assessment: a, tsMs }]))[0];
  }

  /**
   * The verdicts of many portfolios with one model run: a story that reaches hundreds of
   * portfolios scores them as one batch instead of one onnxruntime call each.
   */
  async verdicts(
    core: EngineCore,
    items: readonly { state: PortfolioState; assessment: Assessment; tsMs: number }[],
  ): Promise<(TreeVerdict | null)[]> {
    const scorer = this.scorer;
    if (!scorer || items.length === 0) return items.map(() => null);
    const started = performance.now();
    const F = FEATURE_COUNT;
    const rows = new Float32Array(items.length * F);
    for (const [i, { state, assessment: a, tsMs }] of items.entries()) {
      buildFeatures(treeFeatureInput(core, state, a, tsMs), rows, i * F);
    }
    // One run for all rows when the model reads the features as built (it always should).
    const probabilities =
      scorer.featureCount === F
        ? await scorer.score(rows, items.length)
        : Float32Array.from(
            await Promise.all(
              items.map(
                async (_, i) => (await scorer.score(rows.subarray(i * F, (i + 1) * F), 1))[0],
              ),
            ),
          );
    const out = items.map((_, i): TreeVerdict => {
      const ex = scorer.explain(rows, i * F, { topK: 4, paths: 1 });
      return {
        modelId: scorer.modelId,
        featuresVersion: FEATURES_VERSION,
        probability: probabilities[i],
        expectedValue: ex.expectedValue,
        top: ex.top.map((c) => ({ feature: c.feature, value: c.value, shap: c.shap })),
        paths: ex.paths,
        bands: scorer.bands,
        mergeLogit: scorer.mergeLogit,
      };
    });
    // Per portfolio, as one call each was observed.
    const each = (performance.now() - started) / 1000 / items.length;
    for (let i = 0; i < items.length; i++)
      this.metrics.stageSeconds.observe({ stage: 'trees' }, each);
    return out;
  }
}
