import type { EvaluationTimings, NewsEvent } from '@risk/contracts';
import type { ReasoningJudgement, SymbolExposure } from '@risk/scoring';
import { moveItem, moveItemId, type PriceMove } from './move-reasoning';

/**
 * The language model's judgement as an evaluation carries it, with its cost: one type for a
 * news item and for a price move worded as one.
 */
export interface Judgement {
  judgement: ReasoningJudgement;
  timings: EvaluationTimings;
}

/** Why the model judges an item: news, a large move (`moves`), a level change (`levels`). */
export type JudgeGate = 'news' | 'moves' | 'levels';

/** What the model reads: news, or a price move worded as news. */
export interface JudgeItem {
  id: string;
  headline: string;
  body?: string;
  symbols: readonly string[];
  /** When the item was published (news): near-duplicates are looked for around it. */
  tsMs?: number;
  /**
   * News reaching the portfolio through the knowledge graph: the path weight of each reached
   * symbol. The model then reads the effective exposure (share of nav × path weight).
   */
  weights?: ReadonlyMap<string, number>;
}

export const newsJudgeItem = (n: NewsEvent): JudgeItem => ({
  id: n.id,
  headline: n.headline,
  body: n.body,
  symbols: n.symbols,
  tsMs: Date.parse(n.ts),
});

export const moveJudgeItem = (m: PriceMove): JudgeItem => ({
  id: moveItemId(m.tickId),
  ...moveItem(m),
  symbols: [m.symbol],
});

/** News is what a desk waits for: its model steps go ahead of price-move judgements. */
export const judgePriority = (gate: JudgeGate): number => (gate === 'news' ? 1 : 0);

/** The reasoner's answer as the engine receives it (the fields a judgement keeps). */
export interface ModelAnswer {
  probabilities: ReasoningJudgement['probabilities'];
  impact: ReasoningJudgement['impact'];
  severity: string | null;
  rawChainOfThought: string | null;
  grounded: { text: string; counts: NonNullable<ReasoningJudgement['grounding']> } | null;
  timings: { cachedTokens: number; newTokens: number; reasoningMs: number };
  /** The news understanding's reading of the story, when it ran (kind, exposures, duplicate). */
  understanding?: ReasoningJudgement['understanding'];
  /** The language model did not finish within this budget (ms): the news understanding judged alone. */
  unfinishedBudgetMs?: number;
}

/** The model's answer on `item`, read on the portfolio's `exposure`, as an evaluation keeps it. */
export function toJudgement(
  item: JudgeItem,
  exposure: SymbolExposure,
  answer: ModelAnswer,
  model: string,
): Judgement {
  return {
    judgement: {
      newsId: item.id,
      headline: item.headline,
      symbol: exposure.symbol,
      exposure: {
        side: exposure.side,
        quantity: exposure.quantity,
        price: exposure.price,
        sharePct: exposure.sharePct,
      },
      probabilities: answer.probabilities,
      impact: answer.impact,
      severity: answer.severity,
      rawChainOfThought: answer.rawChainOfThought,
      shownChainOfThought: answer.grounded?.text ?? null,
      grounding: answer.grounded?.counts ?? null,
      model,
      ...(answer.understanding ? { understanding: answer.understanding } : {}),
      ...(answer.unfinishedBudgetMs !== undefined
        ? { unfinishedBudgetMs: answer.unfinishedBudgetMs }
        : {}),
    },
    timings: {
      totalMs: 0,
      reasoningMs: answer.timings.reasoningMs,
      cachedTokens: answer.timings.cachedTokens,
      newTokens: answer.timings.newTokens,
    },
  };
}
