/**
 * The language model's per-portfolio contexts as the use cases see them: a portfolio that left
 * this instance drops its context; one that came to it gets its log back from what PostgreSQL
 * holds (its recent judgements), so the next judgement starts from its history and not from
 * nothing. Rebuilding never fails the caller: a failure is logged and the context starts empty.
 */
export abstract class ReasoningContexts {
  abstract forget(portfolioIds: readonly string[]): void;
  abstract rebuild(portfolioIds: readonly string[]): Promise<void>;
}
