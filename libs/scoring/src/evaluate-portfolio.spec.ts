import { InstrumentBook } from '@risk/risk-metrics';
import { evaluatePortfolio, type PortfolioContext } from './evaluate-portfolio';

const base: PortfolioContext = {
  portfolioId: 'pf',
  cash: 100_000,
  positions: [{ symbol: 'AAPL', quantity: 1200, price: 182.31 }],
  limits: { maxWeight: 0.25 },
  peakNav: null,
  previousLevel: null,
  previousBreaches: [],
};

describe('evaluatePortfolio', () => {
  it('computes the contract metrics and an ordered explanation ending in the decision', () => {
    const d = evaluatePortfolio(base, new InstrumentBook());
    // 1,200 × 182.31 = 218,772.00; nav = 100,000 + 218,772 = 318,772; weight = 68.63%.
    expect(d.metrics.nav).toBe(318_772);
    expect(d.metrics.maxWeightSymbol).toBe('AAPL');
    expect(d.metrics.maxWeight).toBeCloseTo(218_772 / 318_772, 12);
    expect(d.breaches).toContain('maxWeight');
    expect(d.steps[0]).toMatchObject({
      kind: 'metric',
      text: 'AAPL 1,200 × 182.31 = 218,772.00 (snapshot mark)',
    });
    expect(d.steps.at(-1)?.kind).toBe('decision');
    expect(d.steps.some((s) => s.kind === 'limit')).toBe(true);
    expect(d.alertReason).toMatch(/maxWeight/);
    expect(d.models).toEqual({ rules: 'interim-rules@1' });
  });

  it('raises no alert when the level and the breaches stay the same', () => {
    const first = evaluatePortfolio(base, new InstrumentBook());
    const again = evaluatePortfolio(
      {
        ...base,
        peakNav: first.peakNav,
        previousLevel: first.level,
        previousBreaches: first.breaches,
      },
      new InstrumentBook(),
    );
    expect(again.level).toBe(first.level);
    expect(again.alertReason).toBeNull();
  });

  it('puts context steps first and lists unpriced positions', () => {
    const d = evaluatePortfolio(
      { ...base, positions: [...base.positions, { symbol: 'NEW', quantity: 5 }] },
      new InstrumentBook(),
      { context: [{ kind: 'metric', text: 'news n-1', data: {} }] },
    );
    expect(d.steps[0].text).toBe('news n-1');
    expect(d.metrics.unpriced).toEqual(['NEW']);
    expect(d.steps.some((s) => /unpriced/.test(s.text) && /NEW/.test(s.text))).toBe(true);
  });
});
