import { EntityLinker } from './entity-linker';
import {
  FuzzyEntityLinker,
  bestMatches,
  candidateSpans,
  dice,
  exactStage,
  matchScore,
  namesToEmbed,
  trigrams,
  type Embed,
} from './fuzzy-linker';
import { graphInstrument as instrument, trigramEmbed } from './testing';

const UNIVERSE = [
  instrument('HRGT', 'HARROW', 'Harrowgate Devices plc', ['Harrowgate']),
  instrument('HRGT30', 'HARROW', 'Harrowgate Devices 4.25% 2030', [], 'bond'),
  instrument('KSTL', 'KESTREL', 'Kestrel Components Inc.'),
  instrument('NOVA', 'NOVA', 'Nova Semiconductor', ['Nova']),
  instrument('NVBK', 'NOVABANK', 'Nova Bank', ['Nova']),
];

const fakeEmbed: Embed = trigramEmbed;

describe('fuzzy entity linking', () => {
  it("embeds each company's names without legal forms, leaving out shared ones and bonds", () => {
    expect(namesToEmbed(UNIVERSE).map((n) => `${n.issuer}:${n.name}`)).toEqual([
      'HARROW:Harrowgate Devices',
      'HARROW:Harrowgate',
      'KESTREL:Kestrel Components',
      'NOVA:Nova Semiconductor',
      'NOVABANK:Nova Bank',
    ]);
  });

  it('reads runs of 2 to 4 capitalized words the exact stage did not match', () => {
    expect(
      candidateSpans('Kestral Components halts shipments to Harrowgate Devices', new Set()),
    ).toEqual(['Kestral Components', 'Harrowgate Devices']);
    // Words of an exact mention are not read again; one word alone is not a span.
    expect(
      candidateSpans('Kestral Components halts shipments to Harrowgate', new Set(['harrowgate'])),
    ).toEqual(['Kestral Components']);
    expect(candidateSpans('Kestrels return to nesting sites', new Set())).toEqual([]);
    // Longest first; all-common-word spans skipped; headline and body sentences apart.
    expect(candidateSpans('Mistrall Wind Power Group.\nThe Big Bank', new Set())).toEqual([
      'Mistrall Wind Power Group',
      'Mistrall Wind Power',
      'Mistrall Wind',
    ]);
    expect(candidateSpans('Alpha Beta Gamma Delta Epsilon', new Set(), 3)).toHaveLength(3);
  });

  it('scores by the encoder, or with the letters where they agree better', () => {
    expect(dice(trigrams('Harowgate Devices'), trigrams('Harrowgate Devices'))).toBeGreaterThan(
      0.8,
    );
    expect(dice(trigrams('abc'), trigrams('xyz'))).toBe(0);
    expect(matchScore(0.9, 0.1)).toBe(0.9);
    expect(matchScore(0.5, 0.9)).toBeCloseTo(0.7, 12);
  });

  it('keeps the best match of each span over the threshold, one per issuer', () => {
    const v = (...xs: number[]) => Float32Array.from(xs);
    const names = [
      { issuer: 'A', symbol: 'A1', name: 'Alpha Co', vector: v(1, 0), grams: trigrams('Alpha Co') },
      { issuer: 'B', symbol: 'B1', name: 'Beta Co', vector: v(0, 1), grams: trigrams('Beta Co') },
    ];
    const m = bestMatches(
      ['Alfa Co', 'Alpha Corp', 'Gamma'],
      [v(0.8, 0.6), v(1, 0), v(0.6, 0.8)],
      names,
      0.7,
    );
    expect(m.map((x) => [x.issuer, x.text])).toEqual([
      ['A', 'Alpha Corp'],
      ['B', 'Gamma'],
    ]);
    expect(bestMatches(['Gamma'], [v(0.6, 0.8)], names, 0.9)).toEqual([]);
  });

  it('finds a misspelt company the exact stage misses, and nothing it already found', async () => {
    const exact = EntityLinker.fromInstruments(UNIVERSE);
    const fuzzy = await FuzzyEntityLinker.build(UNIVERSE, fakeEmbed);
    expect(fuzzy.size).toBe(5);
    const text = 'Kestral Components halts shipments to Harrowgate Devices';
    const e = exactStage(exact, text);
    expect([...e.issuers]).toEqual(['HARROW']);
    const found = await fuzzy.mentions(text, e, { threshold: 0.6 });
    expect(found.map((m) => [m.issuer, m.text, m.name])).toEqual([
      ['KESTREL', 'Kestral Components', 'Kestrel Components'],
    ]);
    expect(await fuzzy.mentions('Wall Street ends higher', e, { threshold: 0.6 })).toEqual([]);
  });
});
