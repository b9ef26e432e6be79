import { EntityLinker } from './entity-linker';
import { graphInstrument as company } from './testing';

const linker = EntityLinker.fromInstruments([
  company('KSTL', 'KESTREL', 'Kestrel Components Inc.'),
  company('HRGT', 'HARROWGATE', 'Harrowgate Devices plc', ['Harrowgate']),
  company('HRGT-B30', 'HARROWGATE', 'Harrowgate Devices 4% 2030', [], 'bond'),
  company('BKCO', 'BANCORP', 'Bancorp Holdings'),
  company('SUMT', 'SUMMIT', 'Summit Group'),
  company('HF', 'HARLOWFINCH', 'Harlow & Finch, Inc.'),
  company('CRA', 'CREDALP', 'Crédit Alpin S.A.'),
  company('NOVA', 'NOVA', 'Nova Semiconductor Corp', ['Nova']),
  company('NOVB', 'NOVABANK', 'Nova Bank', ['Nova']),
  company('ARC', 'ARCCO', 'Arc', []),
  company('GRP.B', 'GRUPPO', 'Gruppo Holdings Class B'),
]);

const issuers = (text: string) => linker.issuersIn(text);

describe('EntityLinker', () => {
  it('finds a company by its name without the legal form, in any case', () => {
    expect(issuers('Fire halts production at Kestrel Components plant')).toEqual(['KESTREL']);
    expect(issuers('KESTREL COMPONENTS INC. CUTS GUIDANCE')).toEqual(['KESTREL']);
    expect(issuers('Kestrel Components Corp. said on Monday')).toEqual(['KESTREL']);
  });

  it('handles possessives, aliases, ampersands and accents', () => {
    expect(issuers("Harrowgate's chief executive resigns")).toEqual(['HARROWGATE']);
    expect(issuers('Harlow and Finch wins contract')).toEqual(['HARLOWFINCH']);
    expect(issuers('Harlow & Finch’s shares jump')).toEqual(['HARLOWFINCH']);
    expect(issuers('Credit Alpin SA posts loss')).toEqual(['CREDALP']);
    expect(issuers('Crédit Alpin profit falls')).toEqual(['CREDALP']);
  });

  it('drops organizational words and share classes', () => {
    expect(issuers('Bancorp raises dividend')).toEqual(['BANCORP']);
    expect(issuers('Gruppo Holdings B shares')).toEqual(['GRUPPO']);
    expect(issuers('Gruppo to sell unit')).toEqual(['GRUPPO']);
  });

  it('matches a name made of common words only when written capitalized', () => {
    expect(issuers('Summit shares fall after profit warning')).toEqual(['SUMMIT']);
    expect(issuers('Leaders meet at a summit on trade')).toEqual([]);
    expect(issuers('the summit group of leaders met')).toEqual([]);
  });

  it('leaves out names two issuers share, and very short names', () => {
    expect(issuers('Nova posts record quarter')).toEqual([]);
    expect(issuers('Nova Semiconductor posts record quarter')).toEqual(['NOVA']);
    expect(issuers('An arc of rising prices')).toEqual([]);
  });

  it('matches on word boundaries only', () => {
    expect(issuers('Kestrelworks and Harrowgateway are not companies here')).toEqual([]);
  });

  it('finds tickers as cashtags or in parentheses', () => {
    expect(issuers('Shares of the chipmaker (NASDAQ: NOVA) rose')).toEqual(['NOVA']);
    expect(issuers('$HRGT up 4% premarket')).toEqual(['HARROWGATE']);
    expect(issuers('NOVA rose')).toEqual([]);
  });

  it('reads a dotted ticker whole, also ending a sentence, and leaves acronyms alone', () => {
    expect(issuers('Shares of Gruppo (MIL: GRP.B) fell')).toEqual(['GRUPPO']);
    expect(issuers('Traders sold $GRP.B.')).toEqual(['GRUPPO']);
    expect(issuers('The SEC opened a probe; the CEO (SEC filing) resigned')).toEqual([]);
  });

  it('lists several companies in order of first mention', () => {
    expect(issuers('Kestrel Components to supply Harrowgate; Kestrel shares rise')).toEqual([
      'KESTREL',
      'HARROWGATE',
    ]);
    expect(linker.mentions("Harrowgate's bond")).toEqual([
      { issuer: 'HARROWGATE', symbol: 'HRGT', text: 'Harrowgate', via: 'alias' },
    ]);
  });
});
