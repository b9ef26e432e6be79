import type { JudgeGate, JudgeItem, Judgement } from '@risk/engine';

/** When a use case stops waiting for the model: a `performance.now()` time, and its budget. */
export interface Deadline {
  at: number;
  budgetMs: number;
}

/** The deadline `budgetMs` after `from` (a `performance.now()` time); none for a budget of 0. */
export const deadlineAfter = (from: number, budgetMs: number): Deadline | undefined =>
  budgetMs > 0 ? { at: from + budgetMs, budgetMs } : undefined;

/**
 * The language model as the use cases see it: one judgement of one item (news, or a price move
 * worded as news) for one portfolio. Undefined when there is no model, no exposure, or the call
 * failed: the evaluation is then committed without reasoning, and one bad call never blocks a
 * topic. Never called inside the engine lock.
 */
export abstract class Judge {
  /**
   * `deadline`: when the evaluation stops waiting for the language model (a `performance.now()`
   * time; REASONING_NEWS_BUDGET_MS / REASONING_MOVE_BUDGET_MS). Past it, news is judged by the
   * news understanding alone (the judgement says the model did not finish), a move not at all.
   */
  abstract judge(
    portfolioId: string,
    item: JudgeItem,
    gate: JudgeGate,
    deadline?: Deadline,
  ): Promise<Judgement | undefined>;

  /**
   * A newer large move reached the portfolio: its move judgement in flight (gate `moves` or
   * `levels`) is stale and is dropped; that call then gives undefined, so its evaluation is
   * committed without it, and the next flush judges the newer move.
   */
  abstract supersedeMoves(portfolioId: string): void;
}
