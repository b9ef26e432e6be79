import { HoldingsIndex } from './holdings-index';

describe('HoldingsIndex', () => {
  it('maps symbols to the portfolios holding them', () => {
    const index = new HoldingsIndex();
    index.add('pf-a', 'AAPL');
    index.add('pf-b', 'AAPL');
    index.add('pf-a', 'MSFT');
    expect([...index.portfoliosHolding('AAPL')]).toEqual(['pf-a', 'pf-b']);
    expect([...index.symbolsOf('pf-a')]).toEqual(['AAPL', 'MSFT']);
    index.remove('pf-b', 'AAPL');
    expect([...index.portfoliosHolding('AAPL')]).toEqual(['pf-a']);
    expect(index.portfoliosHolding('NONE').size).toBe(0);
  });

  it('replaces holdings on a new snapshot and forgets a removed portfolio', () => {
    const index = new HoldingsIndex();
    index.setHoldings('pf-a', ['AAPL', 'MSFT']);
    index.setHoldings('pf-a', ['MSFT', 'ACME']);
    expect(index.portfoliosHolding('AAPL').size).toBe(0);
    expect([...index.symbolsOf('pf-a')].sort()).toEqual(['ACME', 'MSFT']);
    index.removePortfolio('pf-a');
    expect(index.portfoliosHolding('MSFT').size).toBe(0);
    expect(index.symbolsOf('pf-a').size).toBe(0);
  });
});
