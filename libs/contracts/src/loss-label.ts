/**
 * The one definition of a bad outcome, which the risk score is a probability of: the book as held
 * at the evaluation loses more than LOSS_THRESHOLD of its nav within LOSS_HORIZON_MS. The trees
 * are trained on it (tools/trees), the explanation text states it, bench:scoring measures against
 * it and GET /api/v1/model-quality judges recorded evaluations by it.
 */
export const LOSS_LABEL = { lossFraction: 0.02, horizonMs: 10 * 60_000 } as const;

export const LOSS_THRESHOLD = LOSS_LABEL.lossFraction;
export const LOSS_HORIZON_MS = LOSS_LABEL.horizonMs;
export const LOSS_HORIZON_S = LOSS_HORIZON_MS / 1000;
export const LOSS_HORIZON_MINUTES = LOSS_HORIZON_MS / 60_000;

/** True when a loss (a fraction of nav, positive = money lost) is a bad outcome. */
export function isBadOutcome(lossFraction: number): boolean {
  return lossFraction > LOSS_THRESHOLD;
}

/** The threshold as text, e.g. `2%`. */
export const LOSS_THRESHOLD_TEXT = `${LOSS_THRESHOLD * 100}%`;
/** The horizon as text, e.g. `10 min`. */
export const LOSS_HORIZON_TEXT = `${LOSS_HORIZON_MINUTES} min`;
/** The label in words, e.g. `loss > 2% of nav within 10 min` (the tree model's `label` metadata). */
export const LOSS_LABEL_TEXT = `loss > ${LOSS_THRESHOLD_TEXT} of nav within ${LOSS_HORIZON_TEXT}`;
/** What a score is, in the explanation, e.g. `P(loss > 2% of nav in 10 min)`. */
export const LOSS_PROBABILITY_TEXT = `P(loss > ${LOSS_THRESHOLD_TEXT} of nav in ${LOSS_HORIZON_TEXT})`;
