import { trigramEmbed } from '@risk/knowledge-graph/testing';
import type { NewsUnderstandingService } from '../news-understanding.service';
import { instrumentUpsert } from '../testing/engine-fixtures';
import { strictMock } from '../testing/strict-mock';
import { FuzzyLinking } from './fuzzy-linking';
import { ReferenceGraph } from './reference-graph';

const TS = '2026-11-30T08:00:00.000Z';

const fakeEmbed = trigramEmbed;

function reference(): ReferenceGraph {
  const r = new ReferenceGraph();
  const instrument = (symbol: string, issuer: string, name: string) =>
    instrumentUpsert(symbol, issuer, name, 'equity', TS);
  r.apply([
    instrument('KSTL', 'KESTREL', 'Kestrel Components plc'),
    instrument('HRGT', 'HARROW', 'Harrowgate Devices Inc.'),
  ]);
  return r;
}

const story = (id: string, headline: string) => ({
  id,
  ts: TS,
  headline,
  symbols: [],
  source: 'wire',
});

describe('FuzzyLinking', () => {
  it('finds a misspelt company with the encoder, remembers it, and embeds names once', async () => {
    const embed = jest.fn(fakeEmbed);
    const ref = reference();
    const fuzzy = new FuzzyLinking(ref, strictMock<NewsUnderstandingService>('nu', { embed }));
    const n = story('n1', 'Fire at a Kestral Components plant near Harrowgate Devices');
    await expect(fuzzy.issuersIn(n)).resolves.toEqual(['KESTREL']);
    expect(fuzzy.cached('n1')).toEqual(['KESTREL']);
    expect(fuzzy.cached('n2')).toEqual([]);
    const namesEmbedded = embed.mock.calls[0][0];
    expect(namesEmbedded).toEqual(['Kestrel Components', 'Harrowgate Devices']);
    // A new instrument: only its name is embedded for the rebuild.
    ref.apply([
      {
        kind: 'instrument',
        op: 'upsert',
        key: 'NOVA',
        value: {
          ...ref.graph.instrument('KSTL')!,
          ts: TS,
          id: 'i-NOVA',
          symbol: 'NOVA',
          issuer: 'NOVA',
          name: 'Nova Semiconductor',
        },
      },
    ]);
    await fuzzy.issuersIn(story('n3', 'Nova Semiconductr wins order'));
    await expect(fuzzy.issuersIn(story('n4', 'Nova Semiconductr wins order'))).resolves.toEqual([
      'NOVA',
    ]);
    expect(embed.mock.calls.map(([t]) => t)).toContainEqual(['Nova Semiconductor']);
  });

  it('finds nothing without the encoder', async () => {
    const fuzzy = new FuzzyLinking(
      reference(),
      strictMock<NewsUnderstandingService>('nu', { embed: async () => null }),
    );
    await expect(
      fuzzy.issuersIn(story('n1', 'Fire at a Kestral Components plant')),
    ).resolves.toEqual([]);
  });
});
