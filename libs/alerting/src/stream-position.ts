/**
 * A position in stream_events: (transaction id, sequence). Rows are read in this order and only
 * once their transaction is older than every running one, so positions only ever grow.
 */
export interface StreamPosition {
  txId: string;
  seq: string;
}

export const STREAM_START: StreamPosition = { txId: '-1', seq: '0' };

/** Opaque text form, used as the SSE event id: `<txId>-<seq>`. */
export function formatPosition(p: StreamPosition): string {
  return `${p.txId}-${p.seq}`;
}

export function parsePosition(text: string): StreamPosition | null {
  const m = /^(-1|\d{1,19})-(\d{1,19})$/.exec(text.trim());
  return m ? { txId: m[1], seq: m[2] } : null;
}

/**
 * The SQL condition for "committed, final, and after ($a, $b)": `pg_snapshot_xmin` is the oldest
 * transaction still running, so every row of an older transaction is visible now and no row
 * can join them later.
 */
export function afterPositionSql(alias: string, txParam: string, seqParam: string): string {
  return `(${alias}.tx_id, ${alias}.seq) > (${txParam}::bigint, ${seqParam}::bigint)
    AND ${alias}.tx_id < pg_snapshot_xmin(pg_current_snapshot())::text::bigint`;
}
