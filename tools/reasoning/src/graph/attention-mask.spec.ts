import { keyPositions, keyVisible, slidingWindowKeepColumns } from './attention-mask';

describe('attention mask rule', () => {
  it('gives plain ranks when nothing was evicted (left padding ignored)', () => {
    expect(keyPositions([0, 0, 1, 1, 1, 1], 3, 2)).toEqual([-1, -1, 0, 1, 2, 3]);
  });

  it('shifts keys past the global ones by the number of evicted positions', () => {
    // Kept: positions 0,1 (global) and 7,8 (recent), then new queries at 9,10.
    expect(keyPositions([0, 1, 1, 1, 1, 1, 1], 10, 2)).toEqual([-1, 0, 1, 7, 8, 9, 10]);
  });

  it('is causal by column and drops padding columns', () => {
    const mask = [0, 1, 1, 1];
    expect(keyVisible(mask, 0, 2, 2)).toBe(true); // query 0 is column 2
    expect(keyVisible(mask, 0, 3, 2)).toBe(false);
    expect(keyVisible(mask, 1, 0, 2)).toBe(false);
  });

  it('applies the local-global window on absolute positions', () => {
    const sw = { window: 3, globalTokens: 1 };
    const mask = [1, 1, 1, 1, 1, 1];
    const at = (k: number, q: number): boolean =>
      keyVisible(mask, 5, 5, 1, { sw, queryPosition: q, keyPosition: k }) && true;
    expect(at(0, 10)).toBe(true); // global
    expect(at(7, 10)).toBe(false); // 10 - 3 = 7 is outside (t-W, t]
    expect(at(8, 10)).toBe(true);
  });

  it('keeps the global keys and the last window-1 real keys', () => {
    const sw = { window: 3, globalTokens: 2 };
    expect(slidingWindowKeepColumns([0, 1, 1, 1, 1, 1, 1], sw)).toEqual([1, 2, 5, 6]);
    expect(slidingWindowKeepColumns([0, 0, 1, 1, 1], sw)).toEqual([2, 3, 4]);
    expect(slidingWindowKeepColumns([1], { window: 1, globalTokens: 0 })).toEqual([]);
  });
});
