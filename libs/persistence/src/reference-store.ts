import type { DataSource } from 'typeorm';
import {
  CONSTITUENT_KIND,
  type Instrument,
  type InstrumentType,
  type ReferenceChange,
  type Relation,
  type RelationKind,
} from '@risk/contracts';

/**
 * One change per key for a batch, with the rules the tables apply: a removal wins over what came
 * before it, a later version replaces an earlier one unless its `ts` is older (then it is
 * ignored, as it would be against the stored row). Keeps one statement per table per batch.
 */
export function collapseReferenceChanges(changes: readonly ReferenceChange[]): ReferenceChange[] {
  const byKey = new Map<string, ReferenceChange>();
  for (const next of changes) {
    const id = `${next.kind}\u0000${next.key}`;
    const prev = byKey.get(id);
    if (prev && prev.op === 'upsert' && next.op === 'upsert' && tsOf(prev) > tsOf(next)) continue;
    byKey.set(id, next);
  }
  return [...byKey.values()];
}

function tsOf(c: ReferenceChange & { op: 'upsert' }): number {
  return Date.parse(c.value.ts);
}

export interface ReferenceWriteResult {
  instruments: number;
  relations: number;
  removed: number;
}

/** Writes reference changes to PostgreSQL in one transaction; idempotent (docs/knowledge-graph.md). */
export class ReferenceStore {
  constructor(private readonly ds: DataSource) {}

  async apply(changes: readonly ReferenceChange[]): Promise<ReferenceWriteResult> {
    const collapsed = collapseReferenceChanges(changes);
    const instruments: Instrument[] = [];
    const relations: Relation[] = [];
    const removed = { instrument: [] as string[], relation: [] as string[] };
    for (const c of collapsed) {
      if (c.op === 'delete') removed[c.kind].push(c.key);
      else if (c.kind === 'instrument') instruments.push(c.value);
      else relations.push(c.value);
    }
    await this.ds.transaction(async (m) => {
      if (removed.instrument.length > 0)
        await m.query('DELETE FROM instruments WHERE symbol = ANY($1)', [removed.instrument]);
      if (removed.relation.length > 0)
        await m.query('DELETE FROM relations WHERE id = ANY($1)', [removed.relation]);
      if (instruments.length > 0) {
        await m.query(
          `INSERT INTO instruments (symbol, source_id, ts, name, aliases, issuer, type, sector,
                                    country, currency, underlying)
           SELECT symbol, id, ts, name, aliases, issuer, type, sector, country, currency, underlying
             FROM jsonb_to_recordset($1::jsonb) AS x(symbol text, id text, ts timestamptz,
                  name text, aliases jsonb, issuer text, type text, sector text, country text,
                  currency text, underlying text)
           ON CONFLICT (symbol) DO UPDATE SET
             source_id = EXCLUDED.source_id, ts = EXCLUDED.ts, name = EXCLUDED.name,
             aliases = EXCLUDED.aliases, issuer = EXCLUDED.issuer, type = EXCLUDED.type,
             sector = EXCLUDED.sector, country = EXCLUDED.country, currency = EXCLUDED.currency,
             underlying = EXCLUDED.underlying, updated_at = now()
           WHERE instruments.ts <= EXCLUDED.ts`,
          [JSON.stringify(instruments)],
        );
      }
      if (relations.length > 0) {
        await m.query(
          `INSERT INTO relations (id, ts, from_id, to_id, kind, weight)
           SELECT id, ts, "from", "to", kind, weight
             FROM jsonb_to_recordset($1::jsonb) AS x(id text, ts timestamptz, "from" text,
                  "to" text, kind text, weight double precision)
           ON CONFLICT (id) DO UPDATE SET
             ts = EXCLUDED.ts, from_id = EXCLUDED.from_id, to_id = EXCLUDED.to_id,
             kind = EXCLUDED.kind, weight = EXCLUDED.weight, updated_at = now()
           WHERE relations.ts <= EXCLUDED.ts`,
          [JSON.stringify(relations)],
        );
      }
    });
    return {
      instruments: instruments.length,
      relations: relations.length,
      removed: removed.instrument.length + removed.relation.length,
    };
  }
}

/** An edge as the API shows it; `resolved` is false while an end is not (yet) known. */
export interface RelationView {
  id: string;
  ts: string;
  from: string;
  to: string;
  kind: string;
  weight: number;
  resolved: boolean;
}

export interface InstrumentView {
  symbol: string;
  id: string;
  ts: string;
  name: string;
  aliases: string[];
  issuer: string;
  type: string;
  sector: string | null;
  country: string | null;
  currency: string | null;
  underlying: string | null;
  /** The issuer's other instruments, and instruments written on this one. */
  issuerInstruments: string[];
  derivatives: string[];
  relations: RelationView[];
}

/** A row of `instruments` as PostgreSQL returns it. */
export interface InstrumentRow {
  symbol: string;
  source_id: string;
  ts: Date;
  name: string;
  aliases: string[];
  issuer: string;
  type: InstrumentType;
  sector: string | null;
  country: string | null;
  currency: string | null;
  underlying: string | null;
}

/** A row of `relations` as PostgreSQL returns it. */
export interface RelationRow {
  id: string;
  ts: Date;
  from_id: string;
  to_id: string;
  kind: RelationKind;
  weight: number;
  resolved: boolean;
}

/** Reads of the reference tables for the API. */
export class ReferenceReadModel {
  constructor(private readonly ds: DataSource) {}

  async instrument(symbol: string): Promise<InstrumentView | null> {
    const rows = await this.ds.query<InstrumentRow[]>(
      'SELECT * FROM instruments WHERE symbol = $1',
      [symbol],
    );
    const row = rows[0];
    if (!row) return null;
    const [siblings, derivatives, relations] = await Promise.all([
      this.ds.query<{ symbol: string }[]>(
        'SELECT symbol FROM instruments WHERE issuer = $1 AND symbol <> $2 ORDER BY symbol',
        [row.issuer, symbol],
      ),
      this.ds.query<{ symbol: string }[]>(
        'SELECT symbol FROM instruments WHERE underlying = $1 ORDER BY symbol',
        [symbol],
      ),
      // Issuer edges touching the issuer, constituent edges touching the symbol; weight 0 is no
      // edge. `resolved`: the other end is a known issuer (or symbol).
      this.ds.query<RelationRow[]>(
        `SELECT r.id, r.ts, r.from_id, r.to_id, r.kind, r.weight,
                CASE WHEN r.kind = $3
                     THEN EXISTS (SELECT 1 FROM instruments i WHERE i.symbol = r.from_id)
                      AND EXISTS (SELECT 1 FROM instruments i WHERE i.symbol = r.to_id)
                     ELSE EXISTS (SELECT 1 FROM instruments i WHERE i.issuer = r.from_id)
                      AND EXISTS (SELECT 1 FROM instruments i WHERE i.issuer = r.to_id)
                END AS resolved
           FROM relations r
          WHERE r.weight > 0
            AND ((r.kind <> $3 AND (r.from_id = $1 OR r.to_id = $1))
              OR (r.kind = $3 AND (r.from_id = $2 OR r.to_id = $2)))
          ORDER BY r.kind, r.weight DESC, r.id`,
        [row.issuer, symbol, CONSTITUENT_KIND],
      ),
    ]);
    return {
      symbol: row.symbol,
      id: row.source_id,
      ts: row.ts.toISOString(),
      name: row.name,
      aliases: row.aliases,
      issuer: row.issuer,
      type: row.type,
      sector: row.sector,
      country: row.country,
      currency: row.currency,
      underlying: row.underlying,
      issuerInstruments: siblings.map((s) => s.symbol),
      derivatives: derivatives.map((d) => d.symbol),
      relations: relations.map((r) => ({
        id: r.id,
        ts: r.ts.toISOString(),
        from: r.from_id,
        to: r.to_id,
        kind: r.kind,
        weight: r.weight,
        resolved: r.resolved,
      })),
    };
  }
}
