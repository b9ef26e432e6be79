import { judgePriority, moveJudgeItem, newsJudgeItem, toJudgement } from './judgement';

describe('judgement', () => {
  it('words a move as the item the model reads, under its move id', () => {
    expect(
      moveJudgeItem({ tickId: 't9', symbol: 'AAPL', ts: 0, ret: -0.0612, z: -7.25, large: true }),
    ).toEqual({
      id: 'move:t9',
      headline: 'AAPL falls 6.1% in minutes',
      body: 'The move is 7.3 standard deviations of its recent volatility.',
      symbols: ['AAPL'],
    });
  });

  it('reads news as it came, with its publication time (near-duplicates are looked for around it)', () => {
    expect(
      newsJudgeItem({
        id: 'n1',
        ts: '2026-11-30T09:00:00Z',
        headline: 'h',
        body: 'b',
        symbols: ['X'],
      }),
    ).toEqual({
      id: 'n1',
      headline: 'h',
      body: 'b',
      symbols: ['X'],
      tsMs: Date.parse('2026-11-30T09:00:00Z'),
    });
  });

  it('puts news ahead of moves', () => {
    expect([judgePriority('news'), judgePriority('moves'), judgePriority('levels')]).toEqual([
      1, 0, 0,
    ]);
  });

  it('keeps the answer on the exposure it was asked about, with the shown chain of thought', () => {
    const j = toJudgement(
      { id: 'n1', headline: 'h', symbols: ['X', 'Y'] },
      { symbol: 'Y', side: 'short', quantity: -5, price: 20, sharePct: 12.5 },
      {
        probabilities: { severe_negative: 0.1, negative: 0.2, neutral: 0.3, positive: 0.4 },
        impact: 'positive',
        severity: 'low',
        rawChainOfThought: 'raw 13',
        grounded: {
          text: 'shown 12',
          counts: { checked: 1, matched: 0, corrected: 1, dropped: 0, stepsDropped: 0 },
        },
        timings: { cachedTokens: 3, newTokens: 4, reasoningMs: 5 },
      },
      'model@1',
    );
    expect(j).toEqual({
      judgement: {
        newsId: 'n1',
        headline: 'h',
        symbol: 'Y',
        exposure: { side: 'short', quantity: -5, price: 20, sharePct: 12.5 },
        probabilities: { severe_negative: 0.1, negative: 0.2, neutral: 0.3, positive: 0.4 },
        impact: 'positive',
        severity: 'low',
        rawChainOfThought: 'raw 13',
        shownChainOfThought: 'shown 12',
        grounding: { checked: 1, matched: 0, corrected: 1, dropped: 0, stepsDropped: 0 },
        model: 'model@1',
      },
      timings: { totalMs: 0, reasoningMs: 5, cachedTokens: 3, newTokens: 4 },
    });
  });
});
