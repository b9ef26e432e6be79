import { exposureRules, findFactors } from './factor-map';
import type { GraphInstrument } from './graph-types';

const ids = (text: string) => findFactors(text).map((f) => f.id);

describe('findFactors', () => {
  it.each([
    ['Fed raises rates by 50 bp', ['factor:rates']],
    ['OPEC cuts output again', ['factor:oil']],
    ['Yen slides to a 30-year low against the dollar', ['currency:USD', 'currency:JPY']],
    ['German factory orders slump', ['country:DE']],
    ['Chipmakers rally on AI demand', ['sector:Information Technology']],
    ['Banks and insurers fall as bond yields jump', ['factor:rates', 'sector:Financials']],
    ['Company fed up with delays', []],
    ['Kestrel Components wins contract', []],
  ])('%s → %j', (text, expected) => {
    expect(ids(text)).toEqual(expected);
  });
});

describe('exposureRules', () => {
  const i = (extra: Partial<GraphInstrument>): GraphInstrument => ({
    symbol: 'X',
    issuer: 'X',
    type: 'equity',
    name: 'X',
    aliases: [],
    sector: null,
    country: null,
    currency: null,
    underlying: null,
    ...extra,
  });
  const weight = (text: string, instrument: GraphInstrument) =>
    Math.max(
      0,
      ...findFactors(text).flatMap((f) =>
        exposureRules(f)
          .filter((r) => r.matches(instrument))
          .map((r) => r.weight),
      ),
    );

  it('maps factors to instruments through type, sector, country and currency', () => {
    expect(weight('Fed raises rates', i({ type: 'bond' }))).toBe(1);
    expect(weight('Fed raises rates', i({ sector: 'Financials' }))).toBe(0.5);
    expect(weight('Fed raises rates', i({ sector: 'Energy' }))).toBe(0);
    expect(weight('Oil jumps 6%', i({ sector: 'Energy' }))).toBe(1);
    expect(weight('Yen weakens', i({ currency: 'JPY' }))).toBe(0.5);
    expect(weight('Yen weakens', i({ currency: 'JPY', type: 'fx' }))).toBe(1);
    expect(weight('German output slumps', i({ country: 'DE' }))).toBe(0.3);
    expect(weight('Retailers slump', i({ sector: 'Consumer Discretionary' }))).toBe(1);
  });
});
