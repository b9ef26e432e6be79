import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  EngineCore,
  judgePriority,
  toJudgement,
  type JudgeGate,
  type JudgeItem,
  type Judgement,
  type ModelAnswer,
} from '@risk/engine';
import { isPastDeadline, isSuperseded } from '@risk/lm-runtime';
import { judgeStory, retrievedFacts, type HeldName } from '@risk/news-understanding';
import { METRICS, type ServiceMetrics } from '@risk/platform';
import { NewsReasoningService } from '../news-reasoning.service';
import { NewsUnderstandingService } from '../news-understanding.service';
import { Judge, type Deadline } from './judge';

/**
 * `Judge` on the models: for news, the pretrained encoder reads the story (kind, direction for
 * the issuer, severity; once per story, a repeat from another wire reusing it) and its judgement
 * on the portfolio's exposures is the one the merge weighs; the decoder's chain of thought,
 * given the nearest known events as facts, explains it. Price moves: the decoder alone.
 */
/** The kind of every price-move judgement (gates `moves` and `levels`). */
const MOVE_KIND = 'move';

@Injectable()
export class ReasoningJudge extends Judge {
  private readonly log = new Logger(ReasoningJudge.name);

  constructor(
    @Inject(METRICS) private readonly metrics: ServiceMetrics,
    private readonly reasoning: NewsReasoningService,
    private readonly understanding: NewsUnderstandingService,
    private readonly core: EngineCore,
  ) {
    super();
  }

  /**
   * Counted per gate; a failure is logged, counted as `failed` and judged as none; a judgement
   * a newer event made stale is counted as `superseded` and judged as none; one the language
   * model did not finish by `deadline` is counted as `past_deadline` (news: judged by the news
   * understanding alone; a move: judged as none).
   */
  async judge(
    portfolioId: string,
    item: JudgeItem,
    gate: JudgeGate,
    deadline?: Deadline,
  ): Promise<Judgement | undefined> {
    try {
      const r = await this.ask(portfolioId, item, gate, deadline);
      if (r)
        this.metrics.reasoningRuns.inc({
          gate,
          outcome: r.judgement.unfinishedBudgetMs === undefined ? 'judged' : 'past_deadline',
        });
      return r;
    } catch (e) {
      if (isPastDeadline(e)) {
        this.metrics.reasoningRuns.inc({ gate, outcome: 'past_deadline' });
        return undefined;
      }
      if (isSuperseded(e)) {
        this.metrics.reasoningRuns.inc({ gate, outcome: 'superseded' });
        this.log.debug(`reasoning on ${item.id} for ${portfolioId} superseded by a newer event`);
        return undefined;
      }
      this.metrics.reasoningRuns.inc({ gate, outcome: 'failed' });
      this.log.warn(
        { err: e },
        `reasoning on ${item.id} for ${portfolioId} failed: evaluated without it`,
      );
      return undefined;
    }
  }

  supersedeMoves(portfolioId: string): void {
    const dropped = this.reasoning.supersede(portfolioId, MOVE_KIND);
    if (dropped > 0)
      this.log.debug(`a newer move for ${portfolioId} dropped ${dropped} judgement(s)`);
  }

  private async ask(
    portfolioId: string,
    item: JudgeItem,
    gate: JudgeGate,
    deadline: Deadline | undefined,
  ): Promise<Judgement | undefined> {
    // Through the graph: the effective exposures (share of nav × path weight), largest first.
    const effective = item.weights
      ? this.core.effectiveExposures(portfolioId, item.weights)
      : undefined;
    const exposure = effective
      ? effective[0]
      : this.core.largestExposure(portfolioId, item.symbols);
    if (!exposure || exposure.side === 'none') return undefined;
    const decoder = this.reasoning.modelId;
    const started = performance.now();
    const story =
      gate === 'news'
        ? await this.understanding.understand({
            id: item.id,
            tsMs: item.tsMs ?? Date.now(),
            headline: item.headline,
            body: item.body,
            symbols: item.symbols,
          })
        : null;
    if (!decoder && !story) return undefined;
    const held: HeldName[] =
      effective ??
      [...new Set(item.symbols)].flatMap((s) => {
        const e = this.core.largestExposure(portfolioId, [s]);
        return e ? [e] : [];
      });
    const read = story ? judgeStory(story, held, exposure.symbol) : null;
    let unfinishedBudgetMs: number | undefined;
    const answer = decoder
      ? await this.reasoning
          .judge(
            portfolioId,
            {
              headline: item.headline,
              body: item.body,
              exposure,
              book: this.core.bookSnapshot(portfolioId) ?? undefined,
              facts: story ? [retrievedFacts(story)] : undefined,
            },
            judgePriority(gate),
            // A move judgement is stale once a newer move comes; a news item is never
            // superseded by another story (only by its own redelivery).
            gate === 'news' ? `news:${item.id}` : MOVE_KIND,
            deadline,
          )
          .catch((e: unknown) => {
            // Past the budget the news understanding's judgement stands alone (a move, which
            // has none, is judged as none by the caller).
            if (!read || !isPastDeadline(e)) throw e;
            unfinishedBudgetMs = e.budgetMs;
            return null;
          })
      : null;
    if (!answer && !read) return undefined;
    this.metrics.stageSeconds.observe({ stage: 'reasoning' }, (performance.now() - started) / 1000);
    const understandMs = story && !story.duplicateOf ? story.understandMs : 0;
    const merged: ModelAnswer = read
      ? {
          probabilities: read.primary.probabilities,
          impact: read.primary.impact,
          severity: read.primary.severity,
          rawChainOfThought: answer?.rawChainOfThought ?? null,
          grounded: answer?.grounded ?? null,
          timings: {
            cachedTokens: answer?.timings.cachedTokens ?? 0,
            newTokens: answer?.timings.newTokens ?? 0,
            reasoningMs: (answer?.timings.reasoningMs ?? 0) + understandMs,
          },
          understanding: read.summary,
          ...(unfinishedBudgetMs !== undefined ? { unfinishedBudgetMs } : {}),
        }
      : answer!;
    // A decoder that did not finish took no part in the judgement.
    const model = [
      unfinishedBudgetMs === undefined ? decoder : null,
      read ? this.understanding.modelId : null,
    ]
      .filter(Boolean)
      .join('+');
    return toJudgement(item, exposure, merged, model);
  }
}
