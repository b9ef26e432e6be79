/**
 * The market simulator's news wordings as training text for the risk reasoner: each catalog kind
 * (scripts/simulator/news-catalog.ts) is labelled with the reasoner's event kind of the same
 * meaning, so the model reads the headlines the service will see in the demo and in bench:scoring.
 */
import type { ExternalWording } from '@risk/reasoning/model/corpus';
/* eslint-disable no-restricted-imports -- the simulator is a script, not a library: no alias */
import { NEWS_KINDS, type NewsKind } from '../../scripts/simulator/news-catalog';
import { INSTRUMENTS } from '../../scripts/simulator/universe';
/* eslint-enable no-restricted-imports */

/** Reasoner event kind per catalog kind and sign (macro news goes either way). */
const RENAMED: Partial<Record<NewsKind, string>> = {
  merger_target: 'ma_target',
  merger_acquirer: 'ma_acquirer',
  neutral_company: 'routine',
  neutral_market: 'routine',
};

export function reasonerKindOf(kind: NewsKind, sign: 1 | -1): string {
  if (kind === 'macro_shock') return sign < 0 ? 'macro_shock' : 'macro_relief';
  return RENAMED[kind] ?? kind;
}

/**
 * One catalog story, drawn with every kind equally likely (the wire's own mix is a third
 * routine news); the exposure is the named company, a name in the sector, or any name for
 * market news.
 */
export function simulatorWording(rng: () => number): ExternalWording {
  const spec = NEWS_KINDS[Math.floor(rng() * NEWS_KINDS.length)];
  const company = INSTRUMENTS[Math.floor(rng() * INSTRUMENTS.length)];
  const sector = company.sector;
  const sign: 1 | -1 = spec.sign === 'either' ? (rng() < 0.5 ? -1 : 1) : spec.sign === 1 ? 1 : -1;
  const ctx = { company, sector, sign, rng };
  const headline = spec.headline(ctx);
  const body = spec.body && rng() < 0.6 ? spec.body(ctx) : '';
  return {
    kindId: reasonerKindOf(spec.kind, sign),
    headline,
    body,
    company: company.name,
    symbol: company.symbol,
  };
}

/** The simulator's tickers and company names (contexts of catalog examples draw from them). */
export const SIMULATOR_POOL = {
  symbols: INSTRUMENTS.map((i) => i.symbol),
  companies: INSTRUMENTS.map((i) => i.name),
};
