import { KnowledgeGraph } from './knowledge-graph';
import { reachedHoldings, relationStep } from './relation-step';
import { graphInstrument as instrument } from './testing';

describe('relation step', () => {
  const graph = KnowledgeGraph.build(
    [
      instrument('KSTL', 'KESTREL', 'Kestrel Components Inc.'),
      instrument('HRGT', 'HARROWGATE', 'Harrowgate Devices plc', ['Harrowgate']),
      instrument('ZNTH', 'ZENITH', 'Zenith Optics'),
    ],
    [
      { id: 'r1', from: 'KESTREL', to: 'HARROWGATE', kind: 'supplier_of', weight: 0.4 },
      { id: 'r2', from: 'ZENITH', to: 'KESTREL', kind: 'supplier_of', weight: 0.1 },
    ],
  );
  const reached = graph.reach({ entities: ['KESTREL'] });

  it('weighs each reached position by its path: effective exposure = weight of nav × path weight', () => {
    const holdings = reachedHoldings(
      reached,
      new Map([
        ['HRGT', 0.079],
        ['ZNTH', -0.5],
        ['OTHER', 0.3],
      ]),
    );
    // By hand: ZNTH −0.5 × 0.1 = −0.05; HRGT 0.079 × 0.4 = 0.0316; ordered by size.
    expect(holdings.map((h) => [h.symbol, Number(h.effectiveWeightOfNav.toFixed(6))])).toEqual([
      ['ZNTH', -0.05],
      ['HRGT', 0.0316],
    ]);
  });

  it('explains a holding reached through the graph with its path and a sentence', () => {
    const [hrgt] = reachedHoldings(reached, new Map([['HRGT', 0.079]]));
    const step = relationStep(
      hrgt,
      (id) => graph.nameOf(id),
      (s) => graph.shortNameOf(s),
    );
    expect(step).toEqual({
      kind: 'relation',
      text: 'Kestrel Components supplies 40% of Harrowgate Devices; you hold Harrowgate at 7.9% of nav',
      data: {
        symbol: 'HRGT',
        path: [{ from: 'KESTREL', kind: 'supplier_of', to: 'HARROWGATE', weight: 0.4 }],
        pathWeight: 0.4,
        hops: 1,
        weightOfNav: 0.079,
        effectiveWeightOfNav: 0.079 * 0.4,
      },
    });
    const [short] = reachedHoldings(reached, new Map([['ZNTH', -0.5]]));
    expect(
      relationStep(
        short,
        (id) => graph.nameOf(id),
        (s) => graph.shortNameOf(s),
      ).text,
    ).toBe(
      'Zenith Optics supplies 10% of Kestrel Components; you are short Zenith Optics at 50% of nav',
    );
  });
});
