import { displayName, stripLegalForm, tokenize } from './names';

describe('names', () => {
  it.each([
    ['Kestrel Components Inc.', 'Kestrel Components'],
    ['Harrowgate Devices plc', 'Harrowgate Devices'],
    ['Harlow & Finch, Inc.', 'Harlow & Finch'],
    ['Gruppo Holdings Class B', 'Gruppo Holdings'],
    ['Acme Co', 'Acme'],
    ['Inc', 'Inc'],
  ])('displays %s as %s', (name, shown) => {
    expect(displayName(name)).toBe(shown);
  });

  it('tokenizes with possessives, ampersands, dotted abbreviations and accents normalized', () => {
    expect(tokenize("Kestrel's U.S. plant & Nestlé S.A.").map((t) => t.norm)).toEqual([
      'kestrel',
      'us',
      'plant',
      'and',
      'nestle',
      'sa',
    ]);
    expect(stripLegalForm(tokenize('Nestlé S.A.')).map((t) => t.norm)).toEqual(['nestle']);
  });
});
