import type { PortfolioState } from './engine-core';
import { snapshotCandidate, snapshotStep } from './snapshot-candidate';

const s = {
  id: 's1',
  portfolioId: 'pf',
  ts: '2026-11-30T09:00:00.000Z',
  baseCurrency: 'USD',
  cash: 1000,
  positions: [{ symbol: 'AAPL', quantity: 10, price: 100 }],
};

describe('snapshot candidate', () => {
  it('starts a new portfolio with no peak, level or breaches', () => {
    expect(snapshotCandidate(s, 'portfolio.positions', 2, 'id-1', undefined)).toEqual({
      id: 'pf',
      snapshot: {
        id: 'id-1',
        portfolioId: 'pf',
        sourceTopic: 'portfolio.positions',
        sourceId: 's1',
        sourcePartition: 2,
        ts: s.ts,
        baseCurrency: 'USD',
        cash: 1000,
        positions: s.positions,
        limits: null,
      },
      peakNav: null,
      lastLevel: null,
      breaches: [],
    });
  });

  it('keeps what the portfolio had reached, and forgets its news', () => {
    const current = {
      peakNav: 5000,
      lastLevel: 'HIGH',
      breaches: ['var99'],
      lastNews: { newsId: 'n1' },
    } as unknown as PortfolioState;
    const c = snapshotCandidate(s, 't', 0, 'id-2', current);
    expect([c.peakNav, c.lastLevel, c.breaches, c.lastNews]).toEqual([
      5000,
      'HIGH',
      ['var99'],
      undefined,
    ]);
  });

  it('says what the snapshot holds', () => {
    expect(snapshotStep(s).text).toBe('positions snapshot s1: 1 positions, cash 1000');
  });
});
