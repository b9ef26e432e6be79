import type { NewsEvent } from '@risk/contracts';
import { EntityLinker, KnowledgeGraph } from '@risk/knowledge-graph';
import { reachedPortfolios, relationSteps, storyReach } from './news-propagation';

const instrument = (
  symbol: string,
  issuer: string,
  type: 'equity' | 'bond' | 'etf',
  name: string,
  sector: string | null = null,
) => ({
  symbol,
  issuer,
  type,
  name,
  aliases: [],
  sector,
  country: null,
  currency: null,
  underlying: null,
});

const graph = KnowledgeGraph.build(
  [
    instrument('KSTL', 'KESTREL', 'equity', 'Kestrel Components plc'),
    instrument('HRGT', 'HARROW', 'equity', 'Harrowgate Devices Inc.'),
    instrument('HRGT28', 'HARROW', 'bond', 'Harrowgate Devices 2028'),
    instrument('PTLX', 'PETROLUX', 'equity', 'Petrolux Energy', 'Energy'),
  ],
  [{ id: 'r1', from: 'KESTREL', to: 'HARROW', kind: 'supplier_of', weight: 0.4 }],
);
const linker = EntityLinker.fromInstruments(graph.allInstruments());
const story = (over: Partial<NewsEvent>): NewsEvent => ({
  id: 'n1',
  ts: '2026-11-30T09:00:00.000Z',
  headline: 'Plant fire',
  symbols: [],
  ...over,
});
const bySymbol = (n: NewsEvent) =>
  Object.fromEntries(storyReach(n, graph, linker).map((r) => [r.symbol, r.weight]));

describe('storyReach', () => {
  it('follows the entities of a story to related issuers, attenuated', () => {
    expect(bySymbol(story({ entities: ['KESTREL'] }))).toEqual({ KSTL: 1, HRGT: 0.4, HRGT28: 0.4 });
  });

  it('links a company named only in the text', () => {
    expect(bySymbol(story({ headline: 'Fire at a Kestrel Components plant' }))).toEqual({
      KSTL: 1,
      HRGT: 0.4,
      HRGT28: 0.4,
    });
  });

  it('keeps a named symbol the graph does not know, at full weight', () => {
    expect(bySymbol(story({ symbols: ['AAPL'] }))).toEqual({ AAPL: 1 });
  });

  it('reaches the instruments exposed to a factor the story names', () => {
    expect(bySymbol(story({ headline: 'OPEC cuts output' }))).toEqual({ PTLX: 1 });
  });

  it('reaches nothing for a story naming nothing known', () => {
    expect(bySymbol(story({ headline: 'A quiet day' }))).toEqual({});
  });
});

describe('reachedPortfolios', () => {
  const reached = storyReach(story({ entities: ['KESTREL'] }), graph, linker);
  const holders: Record<string, string[]> = { HRGT: ['pf-b', 'pf-a'], KSTL: ['pf-c'] };
  const navWeights: Record<string, number> = {
    'pf-a:HRGT': 0.1,
    'pf-b:HRGT': -0.5,
    'pf-c:KSTL': 0.05,
  };
  const run = (max: number) =>
    reachedPortfolios(
      reached,
      (s) => holders[s] ?? [],
      (pid, s) => navWeights[`${pid}:${s}`],
      max,
    );

  it('gives each holder its effective exposure (share of nav × path weight), strongest first', () => {
    expect(
      run(10).map((p) => [
        p.portfolioId,
        p.holdings.map((h) => [h.symbol, h.effectiveWeightOfNav]),
      ]),
    ).toEqual([
      ['pf-b', [['HRGT', -0.5 * 0.4]]],
      ['pf-c', [['KSTL', 0.05]]],
      ['pf-a', [['HRGT', 0.1 * 0.4]]],
    ]);
  });

  it('keeps the strongest portfolios up to the cap', () => {
    expect(run(2).map((p) => p.portfolioId)).toEqual(['pf-b', 'pf-c']);
  });

  it('explains only positions reached through an edge', () => {
    const [b, c] = run(10);
    expect(relationSteps(c.holdings, graph)).toEqual([]);
    expect(relationSteps(b.holdings, graph)).toEqual([
      expect.objectContaining({
        kind: 'relation',
        text: 'Kestrel Components supplies 40% of Harrowgate Devices; you are short Harrowgate Devices at 50% of nav',
      }),
    ]);
  });
});
