import type { DataSource } from 'typeorm';
import type { Alert, Evaluation } from '@risk/contracts';
import { STREAM_START, afterPositionSql, type StreamPosition } from '@risk/alerting';
import {
  alertFromRow,
  evaluationFromRow,
  type AlertRow,
  type EvaluationRow,
} from '@risk/persistence';

export type StreamItem =
  | { position: StreamPosition; kind: 'evaluation'; data: Evaluation }
  | { position: StreamPosition; kind: 'alert'; data: Alert };

/** Committed evaluations and alerts in commit-safe order (see stream-position.ts). */
export class StreamEventsRepository {
  constructor(private readonly ds: DataSource) {}

  /** The newest final position: a client that gives none starts here (live only). */
  async head(): Promise<StreamPosition> {
    const rows: { tx_id: string; seq: string }[] = await this.ds.query(
      `SELECT tx_id::text AS tx_id, seq::text AS seq FROM stream_events
        WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
        ORDER BY tx_id DESC, seq DESC LIMIT 1`,
    );
    return rows[0] ? { txId: rows[0].tx_id, seq: rows[0].seq } : STREAM_START;
  }

  /** Up to `limit` items after `after`, of the given portfolios (all when null). */
  async readAfter(
    after: StreamPosition,
    portfolioIds: string[] | null,
    limit: number,
  ): Promise<StreamItem[]> {
    const events: { tx_id: string; seq: string; kind: 'evaluation' | 'alert'; ref_id: string }[] =
      await this.ds.query(
        `SELECT e.tx_id::text AS tx_id, e.seq::text AS seq, e.kind, e.ref_id FROM stream_events e
          WHERE ${afterPositionSql('e', '$1', '$2')}
            AND ($3::text[] IS NULL OR e.portfolio_id = ANY ($3::text[]))
          ORDER BY e.tx_id, e.seq LIMIT $4`,
        [after.txId, after.seq, portfolioIds, limit],
      );
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
