import type { JudgeGate, JudgeItem, Judgement } from '@risk/engine';

/**
 * The language model as the use cases see it: one judgement of one item (news, or a price move
 * worded as news) for one portfolio. Undefined when there is no model, no exposure, or the call
 * failed: the evaluation is then committed without reasoning, and one bad call never blocks a
 * topic. Never called inside the engine lock.
 */
export abstract class Judge {
  abstract judge(
    portfolioId: string,
    item: JudgeItem,
    gate: JudgeGate,
  ): Promise<Judgement | undefined>;

  /**
   * A newer large move reached the portfolio: its move judgement in flight (gate `moves` or
   * `levels`) is stale and is dropped; that call then gives undefined, so its evaluation is
   * committed without it, and the next flush judges the newer move.
   */
  abstract supersedeMoves(portfolioId: string): void;
}
