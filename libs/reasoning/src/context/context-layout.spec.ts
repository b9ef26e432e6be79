import { layoutContext } from './context-layout';

describe('layoutContext', () => {
  it('keeps every item while the context fits', () => {
    expect(
      layoutContext({ fixedTokens: 40, logTokens: [100, 100], itemTokens: 100, limit: 512 }),
    ).toEqual({ firstKept: 0, tokens: 340 });
  });

  it('cuts the oldest items to half the room when the log outgrows it; the sinks stay', () => {
    // room = 1000 - 40 - 100 = 860; the log (5 × 200 = 1000) is cut to ≤ 430: two items stay.
    const layout = layoutContext({
      fixedTokens: 40,
      logTokens: [200, 200, 200, 200, 200],
      itemTokens: 100,
      limit: 1000,
    });
    expect(layout).toEqual({ firstKept: 3, tokens: 40 + 400 + 100 });
    // The next items append without a cut until the log reaches the room again.
    expect(
      layoutContext({
        fixedTokens: 40,
        logTokens: [200, 200, 200, 200],
        itemTokens: 100,
        limit: 1000,
      }).firstKept,
    ).toBe(0);
  });

  it('empties a log that cannot fit beside the item', () => {
    expect(
      layoutContext({ fixedTokens: 40, logTokens: [50], itemTokens: 500, limit: 512 }),
    ).toEqual({ firstKept: 1, tokens: 540 });
  });
});
