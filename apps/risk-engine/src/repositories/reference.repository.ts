import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ReferenceChange } from '@risk/contracts';
import type { InstrumentRow, RelationRow } from '@risk/persistence';

/**
 * Reference data as ingest stored it (tables `instruments`, `relations`), read once at boot as
 * the changes that would rebuild it. Ingest is the only writer; the engine only reads.
 */
@Injectable()
export class ReferenceRepository {
  constructor(private readonly ds: DataSource) {}

  async loadAll(): Promise<ReferenceChange[]> {
    const [instruments, relations] = await Promise.all([
      this.ds.query<InstrumentRow[]>(
        `SELECT symbol, source_id, ts, name, aliases, issuer, type, sector, country, currency,
                underlying FROM instruments`,
      ),
      this.ds.query<Omit<RelationRow, 'resolved'>[]>(
        'SELECT id, ts, from_id, to_id, kind, weight FROM relations',
      ),
    ]);
    const out: ReferenceChange[] = [];
    for (const r of instruments)
      out.push({
        kind: 'instrument',
        op: 'upsert',
        key: r.symbol,
        value: {
          id: r.source_id,
          ts: new Date(r.ts).toISOString(),
          symbol: r.symbol,
          name: r.name,
          aliases: r.aliases ?? [],
          issuer: r.issuer,
          type: r.type,
          sector: r.sector,
          country: r.country,
          currency: r.currency,
          underlying: r.underlying,
        },
      });
    for (const r of relations)
      out.push({
        kind: 'relation',
        op: 'upsert',
        key: r.id,
        value: {
          id: r.id,
          ts: new Date(r.ts).toISOString(),
          from: r.from_id,
          to: r.to_id,
          kind: r.kind,
          weight: Number(r.weight),
        },
      });
    return out;
  }
}
