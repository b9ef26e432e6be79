import {
  isBadOutcome,
  LOSS_HORIZON_MINUTES,
  LOSS_HORIZON_MS,
  LOSS_HORIZON_S,
  LOSS_LABEL,
  LOSS_LABEL_TEXT,
  LOSS_PROBABILITY_TEXT,
  LOSS_THRESHOLD,
} from './loss-label';

describe('loss label', () => {
  it('is a loss of more than 2% of nav within 10 minutes', () => {
    expect(LOSS_LABEL).toEqual({ lossFraction: 0.02, horizonMs: 600_000 });
    expect(LOSS_THRESHOLD).toBe(0.02);
    expect(LOSS_HORIZON_MS).toBe(600_000);
    expect(LOSS_HORIZON_S).toBe(600);
    expect(LOSS_HORIZON_MINUTES).toBe(10);
  });

  it('counts only a loss strictly above the threshold', () => {
    expect(isBadOutcome(0.0201)).toBe(true);
    expect(isBadOutcome(0.02)).toBe(false);
    expect(isBadOutcome(0.01)).toBe(false);
    expect(isBadOutcome(-0.05)).toBe(false);
  });

  it('states itself in words from the same constants', () => {
    expect(LOSS_LABEL_TEXT).toBe('loss > 2% of nav within 10 min');
    expect(LOSS_PROBABILITY_TEXT).toBe('P(loss > 2% of nav in 10 min)');
  });
});
