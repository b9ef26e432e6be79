import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  EngineCore,
  judgePriority,
  toJudgement,
  type JudgeGate,
  type JudgeItem,
  type Judgement,
} from '@risk/engine';
import { METRICS, type ServiceMetrics } from '@risk/platform';
import { NewsReasoningService } from '../news-reasoning.service';
import { Judge } from './judge';

/** `Judge` on the reasoning model, on the portfolio's largest exposure among the item's symbols. */
@Injectable()
export class ReasoningJudge extends Judge {
  private readonly log = new Logger(ReasoningJudge.name);

  constructor(
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly reasoning: NewsReasoningService,
    private readonly core: EngineCore,
  ) {
    super();
  }

  /** Counted per gate; a failure is logged, counted as `failed` and judged as none. */
  async judge(
    portfolioId: string,
    item: JudgeItem,
    gate: JudgeGate,
  ): Promise<Judgement | undefined> {
    try {
      const r = await this.ask(portfolioId, item, judgePriority(gate));
      if (r) this.metrics.reasoningRuns.inc({ gate, outcome: 'judged' });
      return r;
    } catch (e) {
      this.metrics.reasoningRuns.inc({ gate, outcome: 'failed' });
      this.log.warn(
        { err: e },
        `reasoning on ${item.id} for ${portfolioId} failed: evaluated without it`,
      );
      return undefined;
    }
  }

  private async ask(
    portfolioId: string,
    item: JudgeItem,
    priority: number,
  ): Promise<Judgement | undefined> {
    const exposure = this.core.largestExposure(portfolioId, item.symbols);
    const model = this.reasoning.modelId;
    if (!exposure || !model) return undefined;
    const started = performance.now();
    const answer = await this.reasoning.judge(
      portfolioId,
      {
        headline: item.headline,
        body: item.body,
        exposure,
        book: this.core.bookSnapshot(portfolioId) ?? undefined,
      },
      priority,
    );
    if (!answer) return undefined;
    this.metrics.stageSeconds.observe({ stage: 'reasoning' }, (performance.now() - started) / 1000);
    return toJudgement(item, exposure, answer, model);
  }
}
