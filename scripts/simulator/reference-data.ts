/**
 * Reference data for the demo universe (docs/knowledge-graph.md): the simulated companies as
 * equities, a few bonds and options on them, a technology sector ETF with constituents, and
 * supplier/customer ties, so a story about one name travels to the holders of another. The demo
 * produces these once, before the stream, with their own ids and times (compacted topics keep the
 * last per key, so producing them again changes nothing).
 */
import { REFERENCE_TOPICS, type Instrument, type Relation } from '@risk/contracts';
import type { ReplayRecord } from './replay-plan';
import { INSTRUMENTS, type Sector } from './universe';

const TS = '2026-11-30T08:00:00.000Z';

const GICS: Record<Sector, string> = {
  TECH: 'Information Technology',
  FIN: 'Financials',
  HEALTH: 'Health Care',
  ENERGY: 'Energy',
  CONSUMER: 'Consumer Discretionary',
};

/** Issuer ids of the simulated companies: the first word of the name ("Acme Systems" → ACME). */
export function issuerOf(symbol: string): string {
  const spec = INSTRUMENTS.find((i) => i.symbol === symbol);
  if (!spec) throw new Error(`unknown demo symbol ${symbol}`);
  return spec.name.split(' ')[0].toUpperCase();
}

function instrument(fields: Omit<Instrument, 'id' | 'ts'>): Instrument {
  return { id: `ref-${fields.symbol}`, ts: TS, ...fields };
}

function equities(): Instrument[] {
  return INSTRUMENTS.map((i) =>
    instrument({
      symbol: i.symbol,
      name: i.name,
      aliases: [i.name.split(' ')[0]],
      issuer: issuerOf(i.symbol),
      type: 'equity',
      sector: GICS[i.sector],
      country: 'US',
      currency: 'USD',
      underlying: null,
    }),
  );
}

// prettier-ignore
const EXTRAS: Omit<Instrument, 'id' | 'ts' | 'aliases' | 'country' | 'currency'>[] = [
  { symbol: 'ACME-B28', name: 'Acme Systems 3.5% 2028', issuer: 'ACME', type: 'bond', sector: 'Information Technology', underlying: null },
  { symbol: 'PETR-B31', name: 'Petrolux Energy 5.25% 2031', issuer: 'PETROLUX', type: 'bond', sector: 'Energy', underlying: null },
  { symbol: 'BKCO-B27', name: 'Bancorp Holdings 4% 2027', issuer: 'BANCORP', type: 'bond', sector: 'Financials', underlying: null },
  { symbol: 'NOVA-C100', name: 'NOVA Dec 100 call', issuer: 'OPTIONS-CLEARING', type: 'option', sector: null, underlying: 'NOVA' },
  { symbol: 'ACME-P170', name: 'ACME Dec 170 put', issuer: 'OPTIONS-CLEARING', type: 'option', sector: null, underlying: 'ACME' },
  { symbol: 'AUTO-C260', name: 'AUTO Dec 260 call', issuer: 'OPTIONS-CLEARING', type: 'option', sector: null, underlying: 'AUTO' },
  { symbol: 'TECHX', name: 'Simulated Tech Sector ETF', issuer: 'TECHX-FUND', type: 'etf', sector: 'Information Technology', underlying: null },
];

// prettier-ignore
const RELATIONS: Omit<Relation, 'ts'>[] = [
  { id: 'ref-nova-acme', from: 'NOVA', to: 'ACME', kind: 'supplier_of', weight: 0.35 },
  { id: 'ref-nova-autova', from: 'NOVA', to: 'AUTOVA', kind: 'supplier_of', weight: 0.2 },
  { id: 'ref-qubit-nova', from: 'QUBIT', to: 'NOVA', kind: 'customer_of', weight: 0.15 },
  { id: 'ref-finexa-shopwell', from: 'FINEXA', to: 'SHOPWELL', kind: 'supplier_of', weight: 0.3 },
  { id: 'ref-genexis-medivant', from: 'GENEXIS', to: 'MEDIVANT', kind: 'supplier_of', weight: 0.3 },
  { id: 'ref-bancorp-gruppo', from: 'BANCORP', to: 'GRUPPO', kind: 'subsidiary_of', weight: 0.6 },
  { id: 'ref-solaria-petrolux', from: 'SOLARIA', to: 'PETROLUX', kind: 'competitor_of', weight: 0.3 },
  { id: 'ref-acme-techx', from: 'ACME', to: 'TECHX', kind: 'constituent_of', weight: 0.3 },
  { id: 'ref-nova-techx', from: 'NOVA', to: 'TECHX', kind: 'constituent_of', weight: 0.25 },
  { id: 'ref-qbit-techx', from: 'QBIT', to: 'TECHX', kind: 'constituent_of', weight: 0.15 },
  { id: 'ref-finx-techx', from: 'FINX', to: 'TECHX', kind: 'constituent_of', weight: 0.1 },
];

/** The demo's reference messages, instruments first, as replay records. */
export function demoReferenceRecords(): ReplayRecord[] {
  const instruments = [
    ...equities(),
    ...EXTRAS.map((e) => instrument({ ...e, aliases: [], country: 'US', currency: 'USD' })),
  ];
  return [
    ...instruments.map((value) => ({
      topic: REFERENCE_TOPICS.instruments,
      key: value.symbol,
      value,
    })),
    ...RELATIONS.map((r) => ({
      topic: REFERENCE_TOPICS.relations,
      key: r.id,
      value: { ...r, ts: TS },
    })),
  ];
}
