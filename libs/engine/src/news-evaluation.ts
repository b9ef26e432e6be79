import type { ExplanationStep, NewsEvent } from '@risk/contracts';
import type { PortfolioState } from './engine-core';
import type { Judgement } from './judgement';

/**
 * The state a news evaluation scores: the portfolio remembers the item's judgement as its
 * latest news (the trees' news features); without a judgement the state is unchanged.
 */
export function withNewsJudgement(
  state: PortfolioState,
  n: NewsEvent,
  reasoning: Judgement | undefined,
): PortfolioState {
  const j = reasoning?.judgement;
  if (!j) return state;
  return {
    ...state,
    lastNews: {
      newsId: n.id,
      tsMs: Date.parse(n.ts),
      symbols: n.symbols,
      sharePct: j.exposure.sharePct,
      pSevereNegative: j.probabilities.severe_negative,
      pNegative: j.probabilities.negative,
      pNeutral: j.probabilities.neutral,
      pPositive: j.probabilities.positive,
    },
  };
}

/** The first explanation step of a news evaluation: the item, and which held symbols it names. */
export function newsStep(n: NewsEvent, held: (symbol: string) => boolean): ExplanationStep {
  const named = n.symbols.filter(held);
  return {
    kind: 'metric',
    // Reached through the graph only: the `relation` step that follows says how.
    text:
      named.length > 0
        ? `news ${n.id} about ${named.join(', ')}: "${n.headline}"`
        : `news ${n.id}: "${n.headline}"`,
    data: { newsId: n.id, headline: n.headline, symbols: n.symbols },
  };
}
