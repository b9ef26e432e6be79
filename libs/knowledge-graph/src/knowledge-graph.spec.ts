import type { GraphInstrument, GraphRelation } from './graph-types';
import { describePath } from './describe-path';
import { findFactors } from './factor-map';
import { KnowledgeGraph } from './knowledge-graph';

const equity = (
  symbol: string,
  issuer: string,
  name: string,
  extra: Partial<GraphInstrument> = {},
): GraphInstrument => ({
  symbol,
  issuer,
  type: 'equity',
  name,
  aliases: [],
  sector: 'Information Technology',
  country: 'US',
  currency: 'USD',
  underlying: null,
  ...extra,
});
const edge = (
  id: string,
  from: string,
  kind: GraphRelation['kind'],
  to: string,
  weight: number,
): GraphRelation => ({
  id,
  from,
  kind,
  to,
  weight,
});

const INSTRUMENTS: GraphInstrument[] = [
  equity('HRGT', 'HARROWGATE', 'Harrowgate Devices plc', { aliases: ['Harrowgate'] }),
  equity('HRGT-B30', 'HARROWGATE', 'Harrowgate 4% 2030', { type: 'bond' }),
  equity('HRGT-C100', 'OCC', 'HRGT Dec 100 call', { type: 'option', underlying: 'HRGT' }),
  equity('KSTL', 'KESTREL', 'Kestrel Components Inc.'),
  equity('DEVX', 'DEVXFUND', 'Devices Sector ETF', { type: 'etf' }),
  equity('ZNTH', 'ZENITH', 'Zenith Optics Corp', { sector: 'Financials' }),
  equity('MOON', 'MOONCO', 'Moonstone Labs'),
];
const RELATIONS: GraphRelation[] = [
  edge('r1', 'KESTREL', 'supplier_of', 'HARROWGATE', 0.4),
  edge('r2', 'HRGT', 'constituent_of', 'DEVX', 0.079),
  edge('r3', 'HARROWGATE', 'customer_of', 'ZENITH', 0.5),
  edge('r4', 'ZENITH', 'peer_of', 'MOONCO', 0.5),
];

const weights = (reached: { symbol: string; weight: number }[]) =>
  Object.fromEntries(reached.map((r) => [r.symbol, Number(r.weight.toFixed(6))]));

describe('KnowledgeGraph.reach', () => {
  const graph = KnowledgeGraph.build(INSTRUMENTS, RELATIONS);

  it('reaches the issuer, its customers two hops out, their bonds, options and funds, attenuated by weight', () => {
    const reached = graph.reach({ entities: ['KESTREL'] });
    // By hand: r1 0.4; r1·r2 = 0.4 × 0.079 = 0.0316; r1·r3 = 0.4 × 0.5 = 0.2; MOON is three relations away.
    expect(weights(reached)).toEqual({
      KSTL: 1,
      HRGT: 0.4,
      'HRGT-B30': 0.4,
      'HRGT-C100': 0.4,
      ZNTH: 0.2,
      DEVX: 0.0316,
    });
    const byId = Object.fromEntries(reached.map((r) => [r.symbol, r]));
    expect(byId.KSTL.path).toEqual([]);
    expect(byId.HRGT.path).toEqual([
      { from: 'KESTREL', kind: 'supplier_of', to: 'HARROWGATE', weight: 0.4 },
    ]);
    expect(byId['HRGT-C100'].path).toEqual([
      { from: 'KESTREL', kind: 'supplier_of', to: 'HARROWGATE', weight: 0.4 },
      { from: 'HRGT', kind: 'underlying_of', to: 'HRGT-C100', weight: 1 },
    ]);
    expect(byId.DEVX).toMatchObject({ hops: 2 });
    expect(byId.DEVX.path.map((e) => e.kind)).toEqual(['supplier_of', 'constituent_of']);
    expect(reached[0].symbol).toBe('KSTL');
  });

  it('says the path in words', () => {
    const hrgt = graph.reach({ entities: ['KESTREL'] }).find((r) => r.symbol === 'HRGT')!;
    expect(
      describePath(hrgt.path, (id) => graph.nameOf(id), {
        name: graph.shortNameOf('HRGT'),
        weightOfNav: 0.079,
      }),
    ).toBe(
      'Kestrel Components supplies 40% of Harrowgate Devices; you hold Harrowgate at 7.9% of nav',
    );
  });

  it('starts from a symbol: its issuer, derivatives and funds, and its issuer’s relations both ways', () => {
    expect(weights(graph.reach({ symbols: ['HRGT'] }))).toEqual({
      HRGT: 1,
      'HRGT-B30': 1,
      'HRGT-C100': 1,
      ZNTH: 0.5,
      KSTL: 0.4,
      MOON: 0.25,
      DEVX: 0.079,
    });
    // Against the direction of r1 only when asked to.
    expect(weights(graph.reach({ symbols: ['HRGT'] }, { bothWays: false }))).not.toHaveProperty(
      'KSTL',
    );
    // An ETF's story is not its constituents' story.
    expect(weights(graph.reach({ symbols: ['DEVX'] }))).toEqual({ DEVX: 1 });
  });

  it('terminates on a cycle and keeps the strongest path', () => {
    const cyclic = KnowledgeGraph.build(INSTRUMENTS, [
      ...RELATIONS,
      edge('r5', 'ZENITH', 'supplier_of', 'KESTREL', 0.9),
      edge('r6', 'HARROWGATE', 'peer_of', 'KESTREL', 0.1),
    ]);
    const reached = cyclic.reach({ entities: ['KESTREL'] });
    const byId = Object.fromEntries(reached.map((r) => [r.symbol, r]));
    // Directly through r5 (0.9), not around the cycle through r1 and r3 (0.2).
    expect(byId.ZNTH).toMatchObject({ weight: 0.9, hops: 1 });
    expect(byId.MOON.weight).toBeCloseTo(0.45, 10);
    expect(byId.KSTL).toMatchObject({ weight: 1, path: [] });
    expect(new Set(reached.map((r) => r.symbol)).size).toBe(reached.length);
  });

  it('bounds fan-out, weak paths and the number of results', () => {
    const peers = Array.from({ length: 100 }, (_, k) => equity(`P${k}`, `PEER${k}`, `Peer ${k}`));
    const hub = equity('HUB', 'HUB', 'Hub Corp');
    const ties = peers.map((p, k) => edge(`t${k}`, 'HUB', 'peer_of', p.issuer, (k + 1) / 100));
    const g = KnowledgeGraph.build([hub, ...peers], ties, { maxFanOut: 10 });
    const reached = g.reach({ entities: ['HUB'] });
    // The 10 strongest ties (0.91..1.00) and the hub itself.
    expect(reached.map((r) => r.symbol).sort()).toEqual(
      ['HUB', ...peers.slice(90).map((p) => p.symbol)].sort(),
    );
    expect(g.reach({ entities: ['HUB'] }, { maxFanOut: 1000, minWeight: 0.5 })).toHaveLength(
      1 + 51,
    );
    expect(g.reach({ entities: ['HUB'] }, { maxFanOut: 1000, maxResults: 5 })).toHaveLength(5);
  });

  it('follows upserts and removals: weight 0 and removal drop an edge, an instrument can move issuer', () => {
    const g = KnowledgeGraph.build(INSTRUMENTS, RELATIONS);
    g.upsertRelation(edge('r1', 'KESTREL', 'supplier_of', 'HARROWGATE', 0));
    expect(weights(g.reach({ entities: ['KESTREL'] }))).toEqual({ KSTL: 1 });
    g.upsertRelation(edge('r1', 'KESTREL', 'supplier_of', 'HARROWGATE', 0.3));
    expect(weights(g.reach({ entities: ['KESTREL'] })).HRGT).toBe(0.3);
    g.removeRelation('r1');
    g.removeInstrument('HRGT-C100');
    expect(g.size).toEqual({ instruments: 6, relations: 3 });
    g.upsertInstrument(equity('HRGT-B30', 'KESTREL', 'Kestrel bond', { type: 'bond' }));
    expect(weights(g.reach({ entities: ['KESTREL'] }))).toEqual({ KSTL: 1, 'HRGT-B30': 1 });
    expect(weights(g.reach({ entities: ['HARROWGATE'] }))).not.toHaveProperty('HRGT-B30');
  });

  it('ignores entities and symbols it does not know', () => {
    expect(graph.reach({ entities: ['NOBODY'] })).toEqual([]);
    // A held symbol with no reference data is still the story's own symbol.
    expect(weights(graph.reach({ symbols: ['XYZ'] }))).toEqual({ XYZ: 1 });
  });
});

describe('KnowledgeGraph.reachFactors', () => {
  it('reaches bonds and rate-sensitive sectors for a rates story, and the funds that hold them', () => {
    const g = KnowledgeGraph.build(INSTRUMENTS, [
      ...RELATIONS,
      edge('r7', 'ZNTH', 'constituent_of', 'DEVX', 0.5),
    ]);
    const reached = g.reachFactors(findFactors('Fed raises rates by 50 bp'));
    // Bonds 1; Financials 0.5; DEVX through ZNTH: 0.5 × 0.5.
    expect(weights(reached)).toEqual({ 'HRGT-B30': 1, ZNTH: 0.5, DEVX: 0.25 });
    expect(reached[0].path).toEqual([
      { from: 'factor:rates', kind: 'exposed_to', to: 'HRGT-B30', weight: 1 },
    ]);
  });
});

describe('KnowledgeGraph.applyChange', () => {
  const r1 = (weight: number, ts: string) => ({
    kind: 'relation' as const,
    op: 'upsert' as const,
    key: 'r1',
    value: { ...edge('r1', 'KESTREL', 'supplier_of', 'HARROWGATE', weight), ts },
  });

  it('applies versions as the tables do: older ts ignored, weight 0 and tombstones remove', () => {
    const g = KnowledgeGraph.build(INSTRUMENTS, []);
    expect(g.applyChange(r1(0.4, '2026-11-30T09:00:00.000Z'))).toBe(true);
    expect(g.applyChange(r1(0.9, '2026-11-30T08:00:00.000Z'))).toBe(false);
    expect(weights(g.reach({ entities: ['KESTREL'] })).HRGT).toBe(0.4);
    g.applyChange(r1(0, '2026-11-30T10:00:00.000Z'));
    // An older version after the removal does not bring the edge back.
    expect(g.applyChange(r1(0.9, '2026-11-30T09:30:00.000Z'))).toBe(false);
    expect(weights(g.reach({ entities: ['KESTREL'] }))).not.toHaveProperty('HRGT');
    expect(g.applyChange({ kind: 'instrument', op: 'delete', key: 'KSTL' })).toBe(true);
    expect(g.instrument('KSTL')).toBeUndefined();
    // After a tombstone any version is new again.
    expect(g.applyChange({ kind: 'relation', op: 'delete', key: 'r1' })).toBe(false);
    expect(g.applyChange(r1(0.2, '2026-11-30T07:00:00.000Z'))).toBe(true);
  });
});
