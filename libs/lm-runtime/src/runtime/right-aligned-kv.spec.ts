import {
  gatherRightAligned,
  leftAlignLogits,
  newSlotsLeftAligned,
  rightAlignTokens,
  rowRuns,
  runsLength,
} from './right-aligned-kv';

describe('right-aligned K/V (GroupQueryAttention) ↔ the engine left-padded batches', () => {
  // Two rows, H = 1, D = 2, P = 4 past columns, S = 2 new columns. Row 0: past columns 1 and 3
  // real (a hole at 2, as a continued batch leaves), both new tokens real. Row 1: past columns
  // 0..3 real, one new token (left-padded: column 4 is padding).
  const mask = BigInt64Array.from([0, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1].map(BigInt));
  const T = 6;
  const P = 4;

  it('finds each row’s real past and new slots from the mask', () => {
    expect(rowRuns(mask, 0, T, 0, P)).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(runsLength(rowRuns(mask, 1, T, 0, P))).toBe(4);
    expect(runsLength(rowRuns(mask, 1, T, P, T))).toBe(1);
  });

  it('gathers real past slots to [0, length) and reads new slots back left-padded', () => {
    // Value = 10 × column + d, so each slot says where it came from.
    const past = new Float32Array(2 * P * 2);
    for (let b = 0; b < 2; b++)
      for (let t = 0; t < P; t++)
        for (let d = 0; d < 2; d++) past[(b * P + t) * 2 + d] = 100 * b + 10 * t + d;
    const runs = [rowRuns(mask, 0, T, 0, P), rowRuns(mask, 1, T, 0, P)];
    const right = gatherRightAligned(past, runs, { heads: 1, pastLen: P, headDim: 2, capacity: 6 });
    expect(Array.from(right.subarray(0, 6))).toEqual([10, 11, 30, 31, 0, 0]);
    expect(Array.from(right.subarray(12, 20))).toEqual([100, 101, 110, 111, 120, 121, 130, 131]);
    // The op appends each row's new K/V right after its past: row 0 at slots 2, 3; row 1 at 4.
    right.set([7, 7, 8, 8], 2 * 2);
    right.set([9, 9], 12 + 4 * 2);
    const fresh = newSlotsLeftAligned(right, [2, 4], [2, 1], {
      heads: 1,
      headDim: 2,
      capacity: 6,
      seqLen: 2,
    });
    expect(Array.from(fresh)).toEqual([7, 7, 8, 8, 0, 0, 9, 9]);
  });

  it('moves tokens to the front of a row and logits back to its end', () => {
    const ids = BigInt64Array.from([5n, 6n, 0n, 9n]);
    expect(Array.from(rightAlignTokens(ids, [2, 1], 2))).toEqual([5n, 6n, 9n, 0n]);
    // V = 1: row 1's one real logit comes back to position 1 of its row.
    const raw = Float32Array.of(0.5, 0.25, 0.75, -1);
    expect(Array.from(leftAlignLogits(raw, [2, 1], 2))).toEqual([0.5, 0.25, 0, 0.75]);
  });
});
