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

describe('the explanation of a large snapshot', () => {
  const snapshot = (n: number): PortfolioContext => ({
    ...base,
    limits: null,
    // Symbols of the longest form (16 characters); every third position has no price yet.
    positions: Array.from({ length: n }, (_, i) => ({
      symbol: `S${String(i).padStart(14, '0')}X`,
      quantity: 100 + i,
      price: i % 3 === 0 ? undefined : 10 + (i % 97),
    })),
  });

  it('names the 50 largest positions and counts the rest in truncatedPositions', () => {
    const d = evaluatePortfolio(snapshot(5000), new InstrumentBook());
    const named = d.steps.filter((s) => s.kind === 'metric' && typeof s.data.symbol === 'string');
    expect(named).toHaveLength(50);
    expect(d.truncatedPositions).toBe(4950);
    // The largest |value|s: quantity 100 + i at price 10 + (i mod 97), i not a multiple of 3.
    const values = snapshot(5000)
      .positions.filter((p) => p.price !== undefined)
      .map((p) => p.quantity * p.price!)
      .sort((a, b) => b - a);
    const namedValues = named.map((s) => s.data.value as number).sort((a, b) => b - a);
    expect(namedValues).toEqual(values.slice(0, 50));
    // The metrics still cover every position.
    expect(d.metrics.unpriced).toHaveLength(1667);
    expect(d.steps.some((s) => /5000 positions: the 50 largest/.test(s.text))).toBe(true);
    // A 5,000-position evaluation was 1,236,325 bytes before the cap: over the broker's 1 MiB.
    const evaluation = JSON.stringify({
      metrics: d.metrics,
      explanation: { steps: d.steps, models: d.models, truncatedPositions: d.truncatedPositions },
    });
    expect(Buffer.byteLength(evaluation)).toBeLessThan(200_000);
  });

  it('names every position of a small snapshot and truncates none', () => {
    const d = evaluatePortfolio(snapshot(50), new InstrumentBook());
    expect(d.truncatedPositions).toBe(0);
    expect(d.steps.filter((s) => typeof s.data.symbol === 'string').length).toBeGreaterThan(0);
  });
});
