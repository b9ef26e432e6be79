import {
  judgementKey,
  openUnderstanding,
  understandStories,
  type StoryRequest,
} from './judgements';

/**
 * The trees' news features as the service gives them: the news understanding on the real encoder
 * (fetched by `npm run infra:up`, or here if missing) and the shipped heads.
 */
describe("the trees' judgements: the news understanding, as the service merges it", () => {
  const request = (
    portfolioId: string,
    newsId: string,
    headline: string,
    side: 'long' | 'short' | 'none',
    sharePct: number,
  ): StoryRequest => ({
    seed: 1,
    portfolioId,
    newsId,
    input: { headline, exposure: { symbol: 'HRTW', side, quantity: 100, price: 10, sharePct } },
    trueClass: 0,
  });

  it('judges each book on its own side and share, and leaves a book without a side out', async () => {
    const u = await openUnderstanding(undefined, () => undefined);
    try {
      const headline = 'Hartwell Stores files for Chapter 11 bankruptcy protection';
      const judged = await understandStories(u, [
        request('long-big', 'n1', headline, 'long', 30),
        request('short', 'n1', headline, 'short', 30),
        request('long-small', 'n1', headline, 'long', 0.5),
        request('flat', 'n1', headline, 'none', 0),
      ]);
      expect(judged.size).toBe(3);
      expect(judged.has(judgementKey('flat', 'n1'))).toBe(false);
      // [severe, negative, neutral, positive]: one reading of the story, flipped for the short.
      const big = judged.get(judgementKey('long-big', 'n1'))!;
      const short = judged.get(judgementKey('short', 'n1'))!;
      const small = judged.get(judgementKey('long-small', 'n1'))!;
      expect(big[0]).toBeGreaterThan(0.5); // severe for a long at 30% of nav
      expect(short[3]).toBeCloseTo(big[0] + big[1], 12);
      expect(short[0] + short[1]).toBeCloseTo(big[3], 12);
      // The same story at 0.5% of nav is negative, not severe: the share decides severity.
      expect(small[0]).toBe(0);
      expect(small[1]).toBeCloseTo(big[0] + big[1], 12);
      for (const p of [big, short, small]) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    } finally {
      await u.close();
    }
  }, 120_000);
});
