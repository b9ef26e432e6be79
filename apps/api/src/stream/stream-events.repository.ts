import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Alert, Evaluation } from '@risk/contracts';
import { STREAM_START, afterPositionSql, type StreamPosition } from '@risk/alerting';
import {
  STREAM_RETENTION_HORIZON,
  alertFromRow,
  evaluationFromRow,
  type AlertRow,
  type EvaluationRow,
} from '@risk/persistence';

export type StreamItem =
  | { position: StreamPosition; kind: 'evaluation'; data: Evaluation }
  | { position: StreamPosition; kind: 'alert'; data: Alert };

interface EventRow {
  tx_id: string;
  seq: string;
  kind: 'evaluation' | 'alert';
  ref_id: string;
}

/** Committed evaluations and alerts in commit-safe order (see stream-position.ts). */
@Injectable()
export class StreamEventsRepository {
  constructor(@Inject(DataSource) private readonly ds: DataSource) {}

  /**
   * The newest final position: a client that gives none starts here (live only). When
   * retention has emptied the table, the horizon is the newest position there was.
   */
  async head(): Promise<StreamPosition> {
    const rows: { tx_id: string; seq: string }[] = await this.ds.query(
      `SELECT tx_id::text AS tx_id, seq::text AS seq FROM (
         (SELECT tx_id, seq FROM stream_events
           WHERE tx_id < (SELECT stream_safe_xid())
           ORDER BY tx_id DESC, seq DESC LIMIT 1)
         UNION ALL
         (SELECT tx_id, seq FROM stream_cursors WHERE name = $1)) p
        ORDER BY tx_id DESC, seq DESC LIMIT 1`,
      [STREAM_RETENTION_HORIZON],
    );
    return rows[0] ? { txId: rows[0].tx_id, seq: rows[0].seq } : STREAM_START;
  }

  /**
   * Up to `limit` items after `after`, of the given portfolios (all when null), read in one
   * snapshot with:
   * - `horizon`, the retention horizon: when it is past `after`, rows between the two may have
   *   been deleted and the items are not a complete continuation (retention commits the horizon
   *   before it deletes anything);
   * - `head`, the newest final position: when the read was `complete` (fewer than `limit`
   *   rows), every row of these portfolios up to `head` is among the items, so a reader may
   *   move its position there even if the rows in between were other portfolios'.
   */
  async readAfter(
    after: StreamPosition,
    portfolioIds: string[] | null,
    limit: number,
  ): Promise<{
    items: StreamItem[];
    horizon: StreamPosition | null;
    head: StreamPosition | null;
    complete: boolean;
  }> {
    const rows: {
      h_tx: string | null;
      h_seq: string | null;
      head_tx: string | null;
      head_seq: string | null;
      tx_id: string | null;
      seq: string | null;
      kind: 'evaluation' | 'alert' | null;
      ref_id: string | null;
    }[] = await this.ds.query(
      `SELECT h.tx_id::text AS h_tx, h.seq::text AS h_seq,
              hd.tx_id::text AS head_tx, hd.seq::text AS head_seq,
              e.tx_id::text AS tx_id, e.seq::text AS seq, e.kind, e.ref_id
         FROM (SELECT 1) one
         LEFT JOIN stream_cursors h ON h.name = $5
         LEFT JOIN LATERAL (
           SELECT tx_id, seq FROM stream_events
            WHERE tx_id < (SELECT stream_safe_xid())
            ORDER BY tx_id DESC, seq DESC LIMIT 1) hd ON true
         LEFT JOIN LATERAL (
           SELECT e.tx_id, e.seq, e.kind, e.ref_id FROM stream_events e
            WHERE ${afterPositionSql('e', '$1', '$2')}
              AND ($3::text[] IS NULL OR e.portfolio_id = ANY ($3::text[]))
            ORDER BY e.tx_id, e.seq LIMIT $4) e ON true
        ORDER BY e.tx_id, e.seq`,
      [after.txId, after.seq, portfolioIds, limit, STREAM_RETENTION_HORIZON],
    );
    const r0 = rows[0];
    const horizon = r0?.h_tx != null && r0.h_seq != null ? { txId: r0.h_tx, seq: r0.h_seq } : null;
    const head =
      r0?.head_tx != null && r0.head_seq != null ? { txId: r0.head_tx, seq: r0.head_seq } : null;
    const events: EventRow[] = [];
    for (const r of rows)
      if (r.tx_id !== null && r.seq !== null && r.kind !== null && r.ref_id !== null)
        events.push({ tx_id: r.tx_id, seq: r.seq, kind: r.kind, ref_id: r.ref_id });
    return {
      items: await this.load(events),
      horizon,
      head,
      complete: events.length < limit,
    };
  }

  private async load(events: EventRow[]): Promise<StreamItem[]> {
    if (events.length === 0) return [];
    const evalIds = events.filter((e) => e.kind === 'evaluation').map((e) => e.ref_id);
    const alertIds = events.filter((e) => e.kind === 'alert').map((e) => e.ref_id);
    const [evals, alerts] = await Promise.all([
      evalIds.length
        ? this.ds.query<EvaluationRow[]>('SELECT * FROM evaluations WHERE id = ANY ($1::uuid[])', [
            evalIds,
          ])
        : Promise.resolve([]),
      alertIds.length
        ? this.ds.query<AlertRow[]>('SELECT * FROM alerts WHERE id = ANY ($1::uuid[])', [alertIds])
        : Promise.resolve([]),
    ]);
    const evalById = new Map(evals.map((r) => [r.id, evaluationFromRow(r)]));
    const alertById = new Map(alerts.map((r) => [r.id, alertFromRow(r)]));
    const items: StreamItem[] = [];
    for (const e of events) {
      const position = { txId: e.tx_id, seq: e.seq };
      if (e.kind === 'evaluation') {
        const data = evalById.get(e.ref_id);
        if (data) items.push({ position, kind: 'evaluation', data });
      } else {
        const data = alertById.get(e.ref_id);
        if (data) items.push({ position, kind: 'alert', data });
      }
    }
    return items;
  }
}
