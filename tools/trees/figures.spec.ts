import { brier, rocAuc } from './figures';

describe('held-out figures', () => {
  it('computes ROC AUC by ranks, ties counted half', () => {
    // Positives 0.8 and 0.4, negatives 0.6 and 0.2: 3 of 4 pairs ordered right.
    expect(rocAuc([0.8, 0.6, 0.4, 0.2], [1, 0, 1, 0])).toBe(0.75);
    // One tie between a positive and a negative: 0.5 for that pair.
    expect(rocAuc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(rocAuc([0.1, 0.2], [0, 0])).toBeNaN();
  });

  it('computes the Brier score as the mean squared error', () => {
    // ((0.9 − 1)² + (0.3 − 0)²) / 2 = (0.01 + 0.09) / 2.
    expect(brier([0.9, 0.3], [1, 0])).toBeCloseTo(0.05, 12);
  });
});
