import { dailyClose } from './daily-close';

const market = (prices: Record<string, [number, string]>) => ({
  lastPrice: (s: string) => prices[s]?.[0],
  lastTs: (s: string) => (prices[s] ? Date.parse(prices[s][1]) : undefined),
});

describe('dailyClose', () => {
  it('values positions at the last tick, else the mark, else unpriced', () => {
    const c = dailyClose(
      '2026-03-02T16:00:00.000Z',
      500,
      [
        { symbol: 'AAA', quantity: 20, price: 90 },
        { symbol: 'BBB', quantity: -5, price: 40 },
        { symbol: 'CCC', quantity: 1 },
      ],
      market({ AAA: [101, '2026-03-02T15:00:00.000Z'] }),
    );
    expect(c).toEqual({
      asOf: '2026-03-02T16:00:00.000Z',
      cash: 500,
      positions: [
        { symbol: 'AAA', quantity: 20, price: 101 },
        { symbol: 'BBB', quantity: -5, price: 40 },
        { symbol: 'CCC', quantity: 1, price: null },
      ],
    });
  });

  it('is as of the newest price it used when that is later than the trigger', () => {
    // a news item of Tuesday evaluated with Wednesday's close files under Wednesday
    const c = dailyClose(
      '2026-03-03T12:00:00.000Z',
      0,
      [{ symbol: 'AAA', quantity: 1 }],
      market({ AAA: [99, '2026-03-04T16:00:00.000Z'] }),
    );
    expect(c.asOf).toBe('2026-03-04T16:00:00.000Z');
  });
});
