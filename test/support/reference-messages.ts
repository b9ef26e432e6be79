import type { Instrument, ReferenceChange, Relation, RelationKind } from '@risk/contracts';

/** The time of the reference data the tests and bench:graph produce. */
export const REFERENCE_TS = '2026-11-30T08:00:00.000Z';

/**
 * A `reference.instruments` value: an Information Technology equity of the US in USD, named
 * "<issuer> <symbol>", no aliases, unless `fields` say otherwise.
 */
export function instrumentMessage(
  symbol: string,
  issuer: string,
  fields: Partial<Instrument> = {},
): Instrument {
  return {
    id: `i-${symbol}`,
    ts: REFERENCE_TS,
    symbol,
    name: `${issuer} ${symbol}`,
    aliases: [],
    issuer,
    type: 'equity',
    sector: 'Information Technology',
    country: 'US',
    currency: 'USD',
    underlying: null,
    ...fields,
  };
}

/** A `reference.relations` value (an edge). */
export function relationMessage(
  id: string,
  from: string,
  to: string,
  kind: RelationKind,
  weight: number,
  ts = REFERENCE_TS,
): Relation {
  return { id, ts, from, to, kind, weight };
}

/** A decoded upsert of either, as an engine applies it (`ReferenceGraph.apply`). */
export function upsert(value: Instrument | Relation): ReferenceChange {
  return 'symbol' in value
    ? { kind: 'instrument', op: 'upsert', key: value.symbol, value }
    : { kind: 'relation', op: 'upsert', key: value.id, value };
}
