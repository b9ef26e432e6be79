import { argmax, logProb, optionLogProb, softmax } from './option-scoring';

describe('option scoring', () => {
  it('computes a stable log-softmax entry', () => {
    const logits = Float32Array.from([1000, 1000]);
    expect(logProb(logits, 0)).toBeCloseTo(Math.log(0.5), 10);
  });

  it('sums the log-probs of an option token by token', () => {
    const ctx = Float32Array.from([0, 0, 0]); // uniform
    const next = Float32Array.from([0, 0, Math.log(2) + 0]); // p(2) = 2/4
    expect(optionLogProb(ctx, next, [1, 2])).toBeCloseTo(Math.log(1 / 3) + Math.log(0.5), 6);
  });

  it('normalizes with softmax and picks argmax, optionally skipping ids', () => {
    const p = softmax([0, Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 12);
    expect(argmax(Float32Array.from([1, 5, 3]))).toBe(1);
    expect(argmax(Float32Array.from([1, 5, 3]), [1])).toBe(2);
  });
});
