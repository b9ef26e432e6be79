import { sequentialPositions } from './kv-block';
import type { CachedContext } from './kv-cache.manager';
import { longestCommonPrefix, planReuse, windowPositionsNeeded } from './reuse-plan';

function ctx(tokens: number[], positions?: number[]): CachedContext {
  const pos = positions ? Int32Array.from(positions) : sequentialPositions(0, tokens.length);
  return {
    tokens,
    block: {
      numLayers: 1,
      numKvHeads: 1,
      headDim: 1,
      length: pos.length,
      positions: pos,
      keys: [],
      values: [],
    },
    lastLogits: new Float32Array(4),
  };
}

describe('reuse plan', () => {
  it('computes the longest common prefix', () => {
    expect(longestCommonPrefix([1, 2, 3], [1, 2, 4, 5])).toBe(2);
    expect(longestCommonPrefix([], [1])).toBe(0);
    expect(longestCommonPrefix([1, 2], [1, 2])).toBe(2);
  });

  it('reuses the whole cache on an append', () => {
    const p = planReuse([1, 2, 3, 4, 5], ctx([1, 2, 3]), undefined);
    expect(p).toMatchObject({ sourceKind: 'own', reuse: 3, exact: false });
  });

  it('rewinds to the common prefix when the snapshot changed', () => {
    const p = planReuse([1, 2, 9, 9], ctx([1, 2, 3, 4, 5]), undefined);
    expect(p.reuse).toBe(2);
  });

  it('is exact when the target equals the cache', () => {
    expect(planReuse([1, 2, 3], ctx([1, 2, 3]), undefined)).toMatchObject({
      exact: true,
      reuse: 3,
    });
  });

  it('recomputes the last token of a strict prefix to get its logits', () => {
    expect(planReuse([1, 2], ctx([1, 2, 3]), undefined)).toMatchObject({ exact: false, reuse: 1 });
  });

  it('prefers the root when it shares more than the own cache', () => {
    const p = planReuse([1, 2, 3, 4], ctx([1, 7]), ctx([1, 2, 3]));
    expect(p).toMatchObject({ sourceKind: 'root', reuse: 3 });
    expect(planReuse([5], undefined, undefined)).toMatchObject({ sourceKind: 'none', reuse: 0 });
  });

  it('lists the positions a sliding-window cache must hold', () => {
    expect(windowPositionsNeeded(10, { window: 4, globalTokens: 2 })).toEqual([0, 1, 7, 8, 9]);
    expect(windowPositionsNeeded(3, { window: 4, globalTokens: 2 })).toEqual([0, 1, 2]);
  });

  it('refuses a window rewind whose recent positions were already dropped', () => {
    const sw = { window: 3, globalTokens: 1 };
    const tokens = [1, 2, 3, 4, 5, 6, 7, 8];
    const windowed = ctx(tokens, [0, 6, 7]);
    expect(planReuse([...tokens, 9], windowed, undefined, sw).reuse).toBe(8);
    expect(planReuse([1, 2, 3, 4, 0], windowed, undefined, sw).reuse).toBe(0);
  });
});
