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
  TreeScorer,
  buildFeatures,
  type Assessment,
  type TreeVerdict,
} from '@risk/scoring';
import type { EngineCore, PortfolioState } from '@risk/engine';

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
    if (!this.scorer) return null;
    const started = performance.now();
    const held = a.result.positions.map((p) => p.symbol);
    const n = state.lastNews;
    const row = buildFeatures({
      metrics: a.result.metrics,
      positions: a.result.positions,
      checks: a.checks,
      moveZ: core.moves.snapshot(tsMs, held),
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
    });
    const [probability] = await this.scorer.score(row, 1);
    const ex = this.scorer.explain(row, 0, { topK: 4, paths: 1 });
    this.metrics.stageSeconds.observe({ stage: 'trees' }, (performance.now() - started) / 1000);
    return {
      modelId: this.scorer.modelId,
      featuresVersion: FEATURES_VERSION,
      probability,
      expectedValue: ex.expectedValue,
      top: ex.top.map((c) => ({ feature: c.feature, value: c.value, shap: c.shap })),
      paths: ex.paths,
      bands: this.scorer.bands,
      mergeLogit: this.scorer.mergeLogit,
    };
  }
}
