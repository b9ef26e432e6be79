import type { PortfolioState } from './engine-core';
import { newsStep, withNewsJudgement } from './news-evaluation';

const state = { id: 'pf', lastLevel: null } as PortfolioState;
const n = {
  id: 'n1',
  ts: '2026-11-30T09:00:00.000Z',
  headline: 'AAPL warns',
  symbols: ['AAPL', 'MSFT'],
};

describe('news evaluation', () => {
  it('remembers the judgement as the latest news', () => {
    const next = withNewsJudgement(state, n, {
      judgement: {
        exposure: { sharePct: 7 },
        probabilities: { severe_negative: 0.4, negative: 0.3, neutral: 0.2, positive: 0.1 },
      },
    } as never);
    expect(next.lastNews).toEqual({
      newsId: 'n1',
      tsMs: Date.parse(n.ts),
      symbols: ['AAPL', 'MSFT'],
      sharePct: 7,
      pSevereNegative: 0.4,
      pNegative: 0.3,
      pNeutral: 0.2,
      pPositive: 0.1,
    });
  });

  it('leaves the state as it is without a judgement', () => {
    expect(withNewsJudgement(state, n, undefined)).toBe(state);
  });

  it('names only the held symbols in the first step', () => {
    expect(newsStep(n, (s) => s === 'MSFT').text).toBe('news n1 about MSFT: "AAPL warns"');
  });

  it('names no symbol when the item reached the holder through the graph only', () => {
    expect(newsStep(n, () => false).text).toBe('news n1: "AAPL warns"');
  });
});
