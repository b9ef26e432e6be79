import { Inject, Injectable, Logger } from '@nestjs/common';
import { logItemsFromEvaluations } from '@risk/reasoning';
import { APP_CONFIG, METRICS, type AppConfig, type ServiceMetrics } from '@risk/platform';
import { NewsReasoningService } from '../news-reasoning.service';
import { EvaluationRepository } from '../repositories/evaluation.repository';
import { ReasoningContexts } from './reasoning-contexts';

/**
 * `ReasoningContexts` on the reasoning model: forget drops the portfolio's log and K/V; rebuild
 * reads each portfolio's last REASONING_REBUILD_ITEMS judged evaluations in one query and puts
 * their items back as its log. Its cost (the query and the tokenization; the K/V is computed
 * with the portfolio's next judgement) is observed as stage `context_rebuild`.
 */
@Injectable()
export class ModelReasoningContexts extends ReasoningContexts {
  private readonly log = new Logger(ModelReasoningContexts.name);

  constructor(
    @Inject(APP_CONFIG) private readonly cfg: AppConfig,
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly reasoning: NewsReasoningService,
    private readonly evaluations: EvaluationRepository,
  ) {
    super();
  }

  forget(portfolioIds: readonly string[]): void {
    for (const id of portfolioIds) this.reasoning.forget(id);
  }

  async rebuild(portfolioIds: readonly string[]): Promise<void> {
    const ids = portfolioIds.filter((id) => !this.reasoning.hasContext(id));
    if (!this.reasoning.modelId || ids.length === 0 || this.cfg.reasoningRebuildItems === 0) return;
    const started = performance.now();
    try {
      const steps = await this.evaluations.recentReasoningSteps(
        ids,
        this.cfg.reasoningRebuildItems,
      );
      let items = 0;
      for (const [id, evaluations] of steps) {
        const log = logItemsFromEvaluations(
          evaluations.map((s) => ({ steps: s })),
          this.cfg.reasoningRebuildItems,
        );
        items += log.length;
        await this.reasoning.restore(id, log);
      }
      const ms = performance.now() - started;
      this.metrics.stageSeconds.observe({ stage: 'context_rebuild' }, ms / 1000);
      this.log.log(
        `reasoning contexts rebuilt for ${steps.size} of ${ids.length} portfolios (${items} items) in ${ms.toFixed(0)} ms`,
      );
    } catch (err) {
      this.log.warn({ err }, 'rebuilding reasoning contexts failed: they start empty');
    }
  }
}
