import { Exposure } from './corpus';
import { lexiconImpact } from './lexicon-baseline';
import { accuracy, brierScore, macroF1, majorityLabel } from './metrics';

describe('metrics', () => {
  it('computes accuracy and macro-F1', () => {
    const gold = ['a', 'a', 'b', 'c'];
    const pred = ['a', 'b', 'b', 'b'];
    expect(accuracy(pred, gold)).toBe(0.5);
    // F1: a = 2/3, b = 2/4, c = 0
    expect(macroF1(pred, gold, ['a', 'b', 'c'])).toBeCloseTo((2 / 3 + 0.5 + 0) / 3, 12);
  });

  it('computes the multi-class Brier score', () => {
    expect(brierScore([[1, 0, 0, 0]], [0])).toBe(0);
    expect(brierScore([[0, 1, 0, 0]], [0])).toBe(2);
    expect(brierScore([[0.25, 0.25, 0.25, 0.25]], [2])).toBeCloseTo(0.75, 12);
  });

  it('finds the majority label', () => {
    expect(majorityLabel(['x', 'y', 'y', 'z'])).toBe('y');
  });
});

describe('lexiconImpact', () => {
  const long: Exposure = { symbol: 'A', side: 'long', quantity: 1, price: 1, sharePct: 3 };
  it('reads polarity words and flips them for a short', () => {
    expect(lexiconImpact('A misses estimates', '', long)).toBe('negative');
    expect(lexiconImpact('A misses estimates', '', { ...long, side: 'short' })).toBe('positive');
    expect(lexiconImpact('A beats estimates', '', long)).toBe('positive');
    expect(lexiconImpact('Short seller alleges fraud at A', '', long)).toBe('severe_negative');
    expect(lexiconImpact('A sets date for meeting', '', long)).toBe('neutral');
    expect(lexiconImpact('A misses estimates', '', { ...long, side: 'none' })).toBe('neutral');
  });
});
